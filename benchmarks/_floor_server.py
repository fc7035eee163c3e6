"""The server floor of ``bench_server.py``: an HTTP/1.1 server on the standard library's
``http.server`` (as the fake's own HTTP/1.1 door is) that reads each request whole and
answers it with a body built once, of the fake's shape and size: what any Python server of
this kind costs a client, with no service behind it. It keeps no state and checks nothing.

    python benchmarks/_floor_server.py      # prints its URL, serves until stopped
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BATCH = 500
READ = 1000
RECORD_BYTES = 1024


def _answers() -> dict[str, bytes]:
    """Each operation's answer, as the fake writes it (224-character RecordIds, version-2
    sequence numbers, 1 KiB records in base64)."""
    rng = random.Random(20150804)

    def record_id() -> str:
        return base64.b64encode(rng.randbytes(168)).decode("ascii")

    sequence = "4963" + "0" * 48 + "1234"
    data = base64.b64encode(rng.randbytes(RECORD_BYTES)).decode("ascii")
    bodies = {
        "Firehose_20150804.PutRecordBatch": {
            "Encrypted": False,
            "FailedPutCount": 0,
            "RequestResponses": [{"RecordId": record_id()} for _ in range(BATCH)],
        },
        "Firehose_20150804.PutRecord": {"RecordId": record_id(), "Encrypted": False},
        "Kinesis_20131202.PutRecords": {
            "FailedRecordCount": 0,
            "Records": [
                {"SequenceNumber": sequence, "ShardId": f"shardId-00000000000{i % 4}"}
                for i in range(BATCH)
            ],
            "EncryptionType": "NONE",
        },
        "Kinesis_20131202.PutRecord": {
            "ShardId": "shardId-000000000000",
            "SequenceNumber": sequence,
            "EncryptionType": "NONE",
        },
        "Kinesis_20131202.GetRecords": {
            "Records": [
                {
                    "SequenceNumber": sequence,
                    "ApproximateArrivalTimestamp": 1733140800.123,
                    "Data": data,
                    "PartitionKey": "k",
                    "EncryptionType": "NONE",
                }
                for _ in range(READ)
            ],
            "NextShardIterator": "A" * 200,
            "MillisBehindLatest": 0,
            "ChildShards": [],
        },
    }
    return {
        target: json.dumps(body, separators=(",", ":")).encode("utf-8")
        for target, body in bodies.items()
    }


ANSWERS = _answers()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # As the fake's door: an answer's head and body must not wait for the client's ACK.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = ANSWERS.get(self.headers.get("X-Amz-Target", ""), b"{}")
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "c0ffee00-0000-4000-8000-000000000000")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # stopped by hand
        server.serve_forever()


if __name__ == "__main__":
    main()
