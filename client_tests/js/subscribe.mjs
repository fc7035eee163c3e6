// A fan-out consumer as an application would write it with the AWS SDK for JavaScript v3's
// default Kinesis client, which speaks HTTP/2 (NodeHttp2Handler) to every endpoint: register
// a consumer, put records, subscribe to a shard and read its events, putting more records
// after the first event; once every record came, move the fake clock to the subscription's
// end with the control API and read on until the stream ends.
//
// Usage: node subscribe.mjs [endpoint] < job.json
//
// The job (JSON on standard input):
//   streamArn  the data stream's ARN
//   shardId    the shard to subscribe to
//   before     payloads (strings) to put before subscribing
//   during     payloads to put after the first event
// Prints one JSON object: the events read (their records' data as strings, their
// continuation sequence numbers and MillisBehindLatest) and the error that ended the run,
// if any (with exit code 0, so the caller can assert on it).

import {
  KinesisClient,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";

import { readJob } from "./control.mjs";

// A subscription lasts 5 minutes of the server's fake clock.
const SUBSCRIPTION_SECONDS = 300;

async function advanceClock(endpoint, seconds) {
  const answer = await fetch(new URL("/_fake/clock", endpoint), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advance: seconds }),
  });
  if (answer.status !== 200) {
    throw new Error(`POST /_fake/clock answered ${answer.status}`);
  }
}

async function put(client, streamArn, payloads) {
  for (const text of payloads) {
    await client.send(
      new PutRecordCommand({
        StreamARN: streamArn,
        Data: new TextEncoder().encode(text),
        PartitionKey: "k",
      }),
    );
  }
}

const job = await readJob();
const endpoint = process.argv[2] ?? process.env.AWS_ENDPOINT_URL;
const client = new KinesisClient({ endpoint }); // the default request handler: HTTP/2
const result = { events: [], error: null };
try {
  const registered = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN: job.streamArn, ConsumerName: "app" }),
  );
  await put(client, job.streamArn, job.before);
  const answer = await client.send(
    new SubscribeToShardCommand({
      ConsumerARN: registered.Consumer.ConsumerARN,
      ShardId: job.shardId,
      StartingPosition: { Type: "TRIM_HORIZON" },
    }),
  );
  const expected = job.before.length + job.during.length;
  let seen = 0;
  let movedToEnd = false;
  for await (const message of answer.EventStream) {
    const event = message.SubscribeToShardEvent;
    if (event === undefined) {
      continue;
    }
    const data = event.Records.map((record) => new TextDecoder().decode(record.Data));
    result.events.push({
      data,
      continuation: event.ContinuationSequenceNumber ?? null,
      millisBehindLatest: event.MillisBehindLatest,
    });
    seen += data.length;
    if (result.events.length === 1) {
      await put(client, job.streamArn, job.during);
    } else if (seen >= expected && !movedToEnd) {
      await advanceClock(endpoint, SUBSCRIPTION_SECONDS);
      movedToEnd = true;
    }
  }
} catch (error) {
  result.error = { name: error.name, message: error.message };
} finally {
  client.destroy(); // closes the HTTP/2 session, which would keep the process alive
}
console.log(JSON.stringify(result));
