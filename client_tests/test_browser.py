"""The AWS SDK for JavaScript v3 in a real browser page (Debian's headless Chromium, driven
by ``js/browser.mjs``), served from its own loopback origin: every call to the server is
cross-origin, so the browser sends a CORS preflight and refuses the answer unless the
server's CORS headers allow it, as AWS's do."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from client_support import SERVICES, Service
from conftest import unavailable

from pytest_firehose import FirehoseServer

PAYLOADS = ["a\n", "b\n", "c\n"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium's executable: $CHROMIUM, else ``chromium`` on PATH (Debian's package)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        unavailable(
            "chromium not found: install Debian's chromium package (or set CHROMIUM to a "
            "Chromium executable) to run the browser tests"
        )
    return found


@pytest.fixture
def in_browser(run_js: Callable[..., Any], chromium: str) -> Callable[..., Any]:
    def run(endpoint: str, service: Service, stream: str = "s") -> Any:
        job = {
            "chromium": chromium,
            "endpoint": endpoint,
            "region": "us-east-1",
            "service": service.name,
            "stream": stream,
            "records": PAYLOADS,
        }
        return run_js("browser.mjs", job)

    return run


@pytest.mark.parametrize("service", SERVICES)
def test_a_browser_page_puts_records_through_cors(
    in_browser: Callable[..., Any], firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")

    result = in_browser(firehose_server.url, service)

    assert result["error"] is None, result
    assert (result["status"], result["failedCount"]) == (200, 0)
    assert result["origin"] != firehose_server.url.rstrip("/")
    service.assert_exactly_once(firehose_server, "s", PAYLOADS)


class _NoCors(http.server.BaseHTTPRequestHandler):
    """Answers every request 200 with an AWS-looking body and no CORS headers."""

    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/x-amz-json-1.1")
        self.end_headers()
        self.wfile.write(b'{"FailedPutCount":0,"RequestResponses":[]}')

    do_OPTIONS = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def no_cors() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoCors)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_browser_refuses_an_endpoint_without_cors_headers(
    in_browser: Callable[..., Any], no_cors: str
) -> None:
    """The check above can fail: the same page against an endpoint that answers without
    CORS headers gets no answer at all, as a browser application would."""
    firehose = next(param.values[0] for param in SERVICES if param.id == "firehose")

    result = in_browser(no_cors, firehose)

    assert result["error"] is not None
    assert "Failed to fetch" in result["error"] or "TypeError" in result["error"]
    assert any("CORS" in line for line in result["consoleErrors"]), result
