// A producer as an application would write it with the AWS SDK for JavaScript v3: send a
// batch (Firehose PutRecordBatch or Kinesis PutRecords), then resend only the records that
// failed, in order, until none is left or the rounds run out. Throttled calls are retried
// by the SDK itself.
//
// Usage: node produce.mjs [endpoint] < job.json
//
// The endpoint comes from the argument, else AWS_ENDPOINT_URL; credentials and region from
// the environment. The job (JSON on standard input):
//   service      "firehose" or "kinesis"
//   stream       the delivery stream or data stream name
//   records      payloads, as strings
//   maxRounds    batches to send at most (default 5)
//   maxAttempts  the SDK's attempts per call (default 3)
//   faults       control API bodies to POST to <endpoint>/_fake/faults first (optional)
//   destination  control API bodies to POST to <endpoint>/_fake/destination first
//                (optional): a delivery stream's destination down, or refusing records
//   advance      seconds to move the fake clock by once the records are put (optional)
//   show         read the delivery stream back at the end (GET /_fake/streams/{stream})
// Prints one JSON object: the faults scripted, the destination switches, every round
// (records sent, the SDK's $metadata, the per-record results), the records still unsent
// and, with show, the stream as the server shows it; an error that ends the run is
// reported there too, with exit code 0, so the caller can assert on it.

import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { NodeHttpHandler } from "@smithy/node-http-handler";

import { advanceClock, postEach, readJob, showDeliveryStream } from "./control.mjs";

// Milliseconds between the SDK's attempts. Its default backoff (100 ms base, 500 ms for
// throttling, with jitter) really sleeps; this keeps the standard retry decisions but
// makes the pause short and the same every run.
const RETRY_DELAY_MS = 10;

const SERVICES = {
  firehose: {
    Client: FirehoseClient,
    command: (stream, batch) =>
      new PutRecordBatchCommand({
        DeliveryStreamName: stream,
        Records: batch.map((record) => ({ Data: record.data })),
      }),
    options: {},
    entries: (output) => output.RequestResponses,
    failedCount: (output) => output.FailedPutCount,
  },
  kinesis: {
    Client: KinesisClient,
    command: (stream, batch) =>
      new PutRecordsCommand({
        StreamName: stream,
        Records: batch.map((record) => ({
          Data: record.data,
          PartitionKey: `key-${record.index}`,
        })),
      }),
    // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); HTTP/1.1 here,
    // as Firehose's client speaks, runs against a server without the http2 extra too.
    options: { requestHandler: new NodeHttpHandler() },
    entries: (output) => output.Records,
    failedCount: (output) => output.FailedRecordCount,
  },
};

const endpoint = process.argv[2] ?? process.env.AWS_ENDPOINT_URL;
const job = await readJob();
const service = SERVICES[job.service];
if (!endpoint || !service) {
  console.error("give the endpoint (argument or AWS_ENDPOINT_URL) and a job whose service is firehose or kinesis");
  process.exit(2);
}

const scripted = await postEach(endpoint, "/_fake/faults", job.faults ?? []);
const switched = await postEach(endpoint, "/_fake/destination", job.destination ?? []);
const client = new service.Client({
  ...service.options,
  endpoint,
  retryStrategy: new ConfiguredRetryStrategy(job.maxAttempts ?? 3, RETRY_DELAY_MS),
});
const encoder = new TextEncoder();
let pending = job.records.map((text, index) => ({ index, text, data: encoder.encode(text) }));
const rounds = [];
let error = null;

for (let round = 1; pending.length > 0 && round <= (job.maxRounds ?? 5); round += 1) {
  let output;
  try {
    output = await client.send(service.command(job.stream, pending));
  } catch (caught) {
    error = {
      name: caught.name,
      message: caught.message,
      httpStatusCode: caught.$metadata?.httpStatusCode,
      attempts: caught.$metadata?.attempts,
    };
    break;
  }
  const entries = service.entries(output);
  rounds.push({
    sent: pending.map((record) => record.text),
    failedCount: service.failedCount(output),
    attempts: output.$metadata.attempts,
    totalRetryDelay: output.$metadata.totalRetryDelay,
    requestId: output.$metadata.requestId,
    entries,
  });
  pending = pending.filter((_, position) => entries[position].ErrorCode !== undefined);
}

client.destroy();
if (job.advance !== undefined) {
  await advanceClock(endpoint, job.advance);
}
const stream = job.show ? await showDeliveryStream(endpoint, job.stream) : null;
const unsent = pending.map((r) => r.text);
console.log(JSON.stringify({ scripted, switched, rounds, unsent, error, stream }));
