"""``python -m pytest_firehose serve``: the fake as a local HTTP server;
``python -m pytest_firehose surface``: the request members this release has not reviewed."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from pytest_firehose._doors.botocore import interceptor_installed
from pytest_firehose._doors.server import DEFAULT_HOST, DEFAULT_PORT, FirehoseServer
from pytest_firehose._engine.config import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    MAX_DELAY,
    UNMODELLED_POLICIES,
    is_account_id,
)
from pytest_firehose._engine.world import World
from pytest_firehose._lambda.mapping_parameters import KNOWN
from pytest_firehose._wire import surface
from pytest_firehose._wire.shapes import operation_model, operation_names

DESCRIPTION = """\
Serve fake Amazon Data Firehose and Kinesis Data Streams over HTTP, for SDKs in any
language and the AWS CLI. The first line printed is the endpoint URL; point clients at it
(endpoint_url=, --endpoint-url, AWS_ENDPOINT_URL). Any credentials are accepted. The clock
is fake: it starts at the real time and moves only on POST /_fake/clock or a scripted
latency. Ctrl-C or SIGTERM stops the server."""

CONTROL = """\
control API (JSON, on the same port):
  GET  /_fake/health                 {"status": "ok", "endpoint": ...}
  POST /_fake/streams                {"service": "firehose"|"kinesis", "name": ..., options}
  GET  /_fake/streams                names of the streams of both services
  GET  /_fake/streams/{name}         records, delivered, expired... (base64 payloads)
  POST /_fake/faults                 {"service": ..., fault keywords of .fail()}
  GET  /_fake/faults                 scheduled faults and how often each fired
  POST /_fake/clock                  {"advance": seconds}; GET: the fake time now
  POST /_fake/flush                  {"stream": name} (optional): deliver the buffers
  POST /_fake/logs                   {"stream": ..., "messages": [...]}: as CloudWatch Logs puts
  POST /_fake/msk                    {"stream": ..., "records": [base64]}: an MSK topic's values
  POST /_fake/database               {"stream": ..., "table": ..., "inserted": [...]}: changes
  POST /_fake/destination            {"stream": ..., "up": false}: the destination's switches
  POST /_fake/channel                {"channel": ..., "fail": true, "reason": ...}: FAILED
  POST /_fake/glue                   {"database": ..., "table": ..., "columns": {...}}
  GET  /_fake/glue/{db}/{table}      a registered Glue table's columns
  POST /_fake/secret                 {"secret": name or ARN, "value": {"api_key": ...}}
  POST /_fake/snowflake              {"table": "DB.SCHEMA.TABLE", "columns": {...}}
  POST /_fake/opensearch             {"domain": ARN or endpoint, "index": ..., "mappings": {...}}
  GET  /_fake/opensearch/{index}     an index's mapping (?domain=ARN or endpoint)
  GET  /_fake/calls                  every request answered (?service=firehose|kinesis)
  POST /_fake/reset                  back to a fresh world

example:
  python -m pytest_firehose serve --port 0
  curl -X POST localhost:4573/_fake/faults -d '{"service": "firehose", "throttle": 2}'"""


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535):
        # Checked before int(): argparse words a ValueError with the function's name.
        shown = text if len(text) <= 20 else f"{text[:20]}... ({len(text)} characters)"
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0: a free one), not {shown!r}")
    return int(text)


def _delay(text: str) -> float:
    # The rule WorldConfig checks, worded for the command line.
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_DELAY:  # NaN compares False too
        shown = text if len(text) <= 20 else f"{text[:20]}... ({len(text)} characters)"
        raise argparse.ArgumentTypeError(
            f"a delay is seconds of fake time, 0 to {MAX_DELAY:,}, not {shown!r}"
        )
    return seconds


def _account(text: str) -> str:
    # The rule WorldConfig checks, worded for the command line.
    if not is_account_id(text):
        raise argparse.ArgumentTypeError(f"an account id is 12 digits, not {text!r}")
    return text


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m pytest_firehose",
        description="pytest-firehose outside pytest.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the fake over HTTP",
        description=DESCRIPTION,
        epilog=CONTROL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}, this machine only)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_PORT})",
    )
    serve.add_argument(
        "--region",
        default=DEFAULT_REGION,
        help="region for requests whose signature names none, and for the control API "
        f"(default {DEFAULT_REGION})",
    )
    serve.add_argument(
        "--account-id",
        type=_account,
        default=DEFAULT_ACCOUNT_ID,
        help=f"12-digit account id in ARNs and messages (default {DEFAULT_ACCOUNT_ID})",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed for RecordIds and request ids, so every run gives the same ones",
    )
    serve.add_argument(
        "--unmodelled",
        choices=UNMODELLED_POLICIES,
        default="warn",
        help="what becomes of a request holding a setting the fake does not model: warn "
        "(default) serves it with an UnmodelledSettingWarning on stderr; error refuses it, "
        "a 400 InvalidArgumentException naming the setting, and changes nothing",
    )
    serve.add_argument(
        "--creation-delay",
        type=_delay,
        default=0.0,
        metavar="SECONDS",
        help="seconds of fake time a new stream stays CREATING (a deleted delivery stream "
        "DELETING) before POST /_fake/clock moves past them (default 0)",
    )
    serve.add_argument(
        "--encryption-delay",
        type=_delay,
        default=0.0,
        metavar="SECONDS",
        help="seconds of fake time delivery stream encryption stays ENABLING or DISABLING "
        "(default 0)",
    )
    serve.add_argument(
        "--update-delay",
        type=_delay,
        default=None,
        metavar="SECONDS",
        help="seconds of fake time a Kinesis reshard, mode switch or warm-throughput change "
        "keeps a stream UPDATING (default: the creation delay)",
    )
    serve.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    review = commands.add_parser(
        "surface",
        help="list the request members of the installed botocore this release has not reviewed",
        description="List, one a line as SERVICE PATH, the input members that the installed "
        "botocore gives the operations the fake serves (and lambda_trigger's parameters) and "
        "that this release has not reviewed: a request holding one gets an "
        "UnmodelledSettingWarning. Nothing listed: every member is reviewed.",
    )
    review.add_argument(
        "--write",
        action="store_true",
        help=f"regenerate the reviewed surface (pytest_firehose/_wire/{surface.SURFACE_FILE}) "
        "from the installed botocore, for a maintainer to review the diff",
    )
    return top


def served_tree() -> surface.Tree:
    """The installed botocore's member tree of every operation the fake serves, and of the
    CreateEventSourceMapping parameters a Lambda trigger takes."""
    world = World()
    tree: surface.Tree = {}
    for service, model in (("firehose", world.firehose()), ("kinesis", world.kinesis())):
        known = operation_names(service)
        tree[service] = {
            operation: surface.shape_tree(operation_model(service, operation).input_shape)
            for operation in model.operations
            if operation in known
        }
    mapping = operation_model("lambda", "CreateEventSourceMapping").input_shape
    tree["lambda"] = {"CreateEventSourceMapping": surface.shape_tree(mapping, only=KNOWN)}
    return tree


def review(args: argparse.Namespace) -> int:
    import botocore

    installed = served_tree()
    reviewed = surface.surface()
    print(
        f"reviewed as of botocore {surface.generated_from()}; botocore {botocore.__version__} "
        "is installed",
        file=sys.stderr,
    )
    if not args.write:
        for path in surface.missing(installed, reviewed):
            print(path.replace(".", " ", 1))
        return 0
    target = Path(surface.__file__).with_name(surface.SURFACE_FILE)
    target.write_text(surface.render(installed, botocore.__version__))
    for sign, paths in (
        ("+", surface.missing(installed, reviewed)),
        ("-", surface.missing(reviewed, installed)),
    ):
        for path in paths:
            print(sign, path.replace(".", " ", 1))
    return 0


def serve(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    world = World(
        account_id=args.account_id,
        region=args.region,
        seed=args.seed,
        contained=interceptor_installed,
        unmodelled=args.unmodelled,
        creation_delay=args.creation_delay,
        encryption_delay=args.encryption_delay,
        update_delay=args.update_delay,
    )
    try:
        server = FirehoseServer(
            world, host=args.host, port=args.port, log=sys.stderr if args.verbose else None
        )
    except OSError as error:
        print(
            f"cannot listen on {args.host}:{args.port}: {error.strerror or error}. "
            "Choose another --port, or --port 0 for a free one.",
            file=sys.stderr,
        )
        return 1
    print(server.url, flush=True)
    with server:
        while not stop.wait(0.5):
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return review(args) if args.command == "surface" else serve(args)


if __name__ == "__main__":
    sys.exit(main())
