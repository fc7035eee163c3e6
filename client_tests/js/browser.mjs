// Runs browser/page.mjs in a real headless Chromium against the local server: bundles the
// page with esbuild, serves it from its own loopback origin (so every call to the server is
// cross-origin and the browser sends CORS preflights and enforces their answers), opens it
// with playwright-core and prints what the page reports.
//
// Usage: node browser.mjs < job.json
// The job: chromium (the executable), endpoint (the server's URL), region, service
// ("firehose" or "kinesis"), stream, records (strings).
// Prints one JSON object: the page's result, and the console errors the page logged.

import http from "node:http";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";
import { chromium } from "playwright-core";

import { readJob } from "./control.mjs";

// What the browser may do on a machine with no network but loopback: no background
// requests, no component updates, no first-run pages (each would wait on the network).
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PAGE_TIMEOUT_MS = 60_000;

async function bundle() {
  const built = await build({
    entryPoints: [fileURLToPath(new URL("./browser/page.mjs", import.meta.url))],
    bundle: true,
    format: "iife",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  return built.outputFiles[0].text;
}

function serve(script) {
  const page = '<!doctype html><title>running</title><pre id="result"></pre>' +
    '<script src="/page.js"></script>';
  const server = http.createServer((request, response) => {
    const [type, body] = request.url === "/page.js"
      ? ["text/javascript", script]
      : ["text/html", page];
    response.writeHead(200, { "content-type": type });
    response.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const job = await readJob();
const server = await serve(await bundle());
const browser = await chromium.launch({ executablePath: job.chromium, args: CHROMIUM_FLAGS });
const consoleErrors = [];
try {
  const page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  const address = `http://127.0.0.1:${server.address().port}/`;
  const config = { endpoint: job.endpoint, region: job.region, service: job.service,
    stream: job.stream, records: job.records };
  await page.goto(`${address}#${encodeURIComponent(JSON.stringify(config))}`);
  await page.waitForFunction(() => document.title === "done", null, { timeout: PAGE_TIMEOUT_MS });
  const result = JSON.parse(await page.textContent("#result"));
  console.log(JSON.stringify({ ...result, consoleErrors }));
} finally {
  await browser.close();
  server.close();
}
