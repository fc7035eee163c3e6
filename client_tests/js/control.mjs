// The pytest-firehose control API, from JavaScript: faults are scripted with a POST of the
// same keywords that firehose.fail() / kinesis.fail() take, plus the service.

export async function scriptFault(endpoint, body) {
  const answer = await fetch(new URL("/_fake/faults", endpoint), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = await answer.json();
  if (answer.status !== 201) {
    throw new Error(`POST /_fake/faults answered ${answer.status}: ${reply.error}`);
  }
  return reply;
}

export async function scriptFaults(endpoint, bodies) {
  const replies = [];
  for (const body of bodies) {
    replies.push(await scriptFault(endpoint, body));
  }
  return replies;
}

// The job a script was given on standard input, as JSON.
export async function readJob() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
