"""Keeps a child process of a test off AWS's Firehose and Kinesis endpoints.

The fake lives in the test's process. A child started while it runs with ``spawn`` or
``forkserver`` (``multiprocessing``'s default on macOS and Windows, and on Linux from
Python 3.14), or any other Python process the test starts, has no fake: its botocore would
send Firehose and Kinesis requests to AWS itself. While a fake is active it sets
:data:`ENV`, which such children inherit; the ``pytest_firehose_guard.pth`` file the
package installs calls :func:`install` at their start when it is set. From then on a
Firehose or Kinesis request that would leave the machine is refused with
:class:`~pytest_firehose.UnmockedRequestError` naming the fix, before anything is sent. A
request to a loopback endpoint (a local server's: ``firehose_server.env``) goes on, and so
does one a fake of the child's own answers.

botocore's (and aiobotocore's) endpoint module is patched when the child imports it, so a
child that never uses botocore pays nothing but the check of one variable. This module
imports nothing heavy: the ``.pth`` file imports it in every such child.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

#: Set to ``1`` in the environment while a fake is active.
ENV = "PYTEST_FIREHOSE_GUARD"
#: The endpoint classes whose ``_send`` puts a request on the wire, by module.
_SENDERS = {"botocore.endpoint": "Endpoint", "aiobotocore.endpoint": "AioEndpoint"}
#: How a request for a service the fake serves names it: its target, or its host.
_TARGETS = ("Firehose_", "Kinesis_")
_HOSTS = ("firehose.", "kinesis.")


def install() -> None:
    """Refuse this process's Firehose and Kinesis requests that would leave the machine,
    from the moment botocore (or aiobotocore) sends them."""
    if any(isinstance(finder, _Finder) for finder in sys.meta_path):
        return
    for name, sender in _SENDERS.items():
        module = sys.modules.get(name)
        if module is not None:  # imported already (a .pth file before this one did)
            _guard(getattr(module, sender))
    sys.meta_path.insert(0, _Finder())


def refusal(url: str, target: str) -> Exception:
    """The error a guarded request gets."""
    from pytest_firehose._errors import UnmockedRequestError
    from pytest_firehose._loopback import address_of

    service = "Kinesis" if target.startswith("Kinesis_") or "://kinesis." in url else "Firehose"
    return UnmockedRequestError(
        f"pytest-firehose refused a {service} request to {address_of(url).host!r} ({url}) "
        "from a process started while a pytest-firehose fake ran: the fake lives in the "
        "test's process, which this one does not share, so the request would reach AWS "
        "itself. Run the `firehose_server` fixture and start this process with its "
        "environment (each item of `firehose_server.env`), so that it talks to the test's "
        "fake over 127.0.0.1; or run the code under test in the test's process (threads "
        "are served)."
    )


def _check(request: Any) -> None:
    from pytest_firehose._loopback import reaches_loopback

    url = str(request.url)
    target = request.headers.get("X-Amz-Target") or ""
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    served = target.startswith(_TARGETS) or url.split("://", 1)[-1].startswith(_HOSTS)
    if served and not reaches_loopback(url):
        raise refusal(url, target)


def _guard(endpoint: type) -> None:
    """``endpoint``'s ``_send`` checked first (sync, or aiobotocore's coroutine)."""
    import inspect

    send = endpoint._send  # type: ignore[attr-defined]
    if getattr(send, "_pytest_firehose_guard", False):
        return
    if inspect.iscoroutinefunction(send):

        async def guarded(self: Any, request: Any) -> Any:
            _check(request)
            return await send(self, request)

    else:

        def guarded(self: Any, request: Any) -> Any:  # type: ignore[misc]
            _check(request)
            return send(self, request)

    guarded._pytest_firehose_guard = True  # type: ignore[attr-defined]
    endpoint._send = guarded  # type: ignore[attr-defined]


class _Finder(MetaPathFinder):
    """Finds the endpoint modules as the other finders do, with a loader that guards
    their sender once they are executed."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        sender = _SENDERS.get(fullname)
        if sender is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _GuardingLoader(spec.loader, sender)
                return spec
        return None


class _GuardingLoader(Loader):
    """``loader``, whose module has its ``sender`` class guarded once executed."""

    def __init__(self, loader: Loader, sender: str) -> None:
        self._loader = loader
        self._sender = sender

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _guard(getattr(module, self._sender))

    def __getattr__(self, name: str) -> Any:  # get_source, get_code ...: the loader's
        return getattr(self._loader, name)
