// The page's script, bundled for the browser by browser.mjs: a producer as a web application
// would write it with the AWS SDK for JavaScript v3 (its browser build: fetch, no Node.js).
// The job comes in the page's address after "#" (JSON); the answer goes into the element
// #result as JSON and the title becomes "done", which browser.mjs waits for.

import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";

const encoder = new TextEncoder();

function command(job) {
  const data = job.records.map((record) => encoder.encode(record));
  if (job.service === "firehose") {
    return new PutRecordBatchCommand({
      DeliveryStreamName: job.stream,
      Records: data.map((Data) => ({ Data })),
    });
  }
  return new PutRecordsCommand({
    StreamName: job.stream,
    Records: data.map((Data, index) => ({ Data, PartitionKey: `key-${index}` })),
  });
}

async function run(job) {
  const Client = job.service === "firehose" ? FirehoseClient : KinesisClient;
  const client = new Client({
    endpoint: job.endpoint,
    region: job.region,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  });
  try {
    const output = await client.send(command(job));
    const failed = output.FailedPutCount ?? output.FailedRecordCount;
    return { error: null, failedCount: failed, status: output.$metadata.httpStatusCode };
  } catch (error) {
    return { error: `${error.name}: ${error.message}` };
  }
}

const job = JSON.parse(decodeURIComponent(window.location.hash.slice(1)));
run(job).then((result) => {
  result.origin = window.location.origin;
  document.getElementById("result").textContent = JSON.stringify(result);
  document.title = "done";
});
