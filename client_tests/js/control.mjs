// The pytest-firehose control API, from JavaScript: faults are scripted with a POST of the
// same keywords that firehose.fail() / kinesis.fail() take, plus the service; a delivery
// stream's destination is switched, the fake clock moved and a stream read back the same
// way, with fetch.

// One control call: its JSON answer, or an Error with the server's message.
export async function control(endpoint, method, path, body) {
  const answer = await fetch(new URL(path, endpoint), {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await answer.json();
  if (!answer.ok) {
    throw new Error(`${method} ${path} answered ${answer.status}: ${reply.error}`);
  }
  return reply;
}

// POST each body to path, in order (faults to /_fake/faults, switches to
// /_fake/destination); the server's replies.
export async function postEach(endpoint, path, bodies) {
  const replies = [];
  for (const body of bodies) {
    replies.push(await control(endpoint, "POST", path, body));
  }
  return replies;
}

// Move the server's fake clock: buffers fill up, retries fall due, batches are given up on.
export async function advanceClock(endpoint, seconds) {
  return control(endpoint, "POST", "/_fake/clock", { advance: seconds });
}

const text = (b64) => Buffer.from(b64, "base64").toString("utf8");

// A delivery stream as GET /_fake/streams/{name} shows it, payloads as text, and the
// records its destination gave up on as the S3 bucket received them: one JSON object a
// line, naming the error, with the record itself (rawData) as text.
export async function showDeliveryStream(endpoint, name) {
  const stream = await control(endpoint, "GET", `/_fake/streams/${encodeURIComponent(name)}`);
  return {
    destination: stream.destination,
    delivered: stream.delivered.map(text),
    pending: stream.pending.map(text),
    backedUp: stream.backed_up.map(text),
    failedRecords: stream.backed_up_objects.flatMap((object) =>
      text(object.body)
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const failed = JSON.parse(line);
          return { key: object.key, ...failed, rawData: text(failed.rawData) };
        }),
    ),
    documents: stream.documents,
    rows: stream.rows,
  };
}

// The job a script was given on standard input, as JSON.
export async function readJob() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
