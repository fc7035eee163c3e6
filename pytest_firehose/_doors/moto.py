"""Side by side with moto: the services the fake serves are left to the fake.

moto's ``mock_aws`` answers requests in botocore's ``before-send`` hook, which runs before
the fake's layer, and it knows Firehose too. While a fake is active, moto's hook is told
to pass on the requests the fake serves, whichever of the two started first, and whether
moto was imported before the fake started or only after: in that case the hook is told the
moment moto's module that holds it has been executed, before any ``mock_aws`` can start.
This is the only module that touches moto, and it never imports it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from pytest_firehose._doors.after_import import AfterImport
from pytest_firehose._doors.replaced import Replaced

_STUBBER = "moto.core.botocore_stubber"


@contextlib.contextmanager
def leave_to_fake(serves: Callable[[Any], bool]) -> Iterator[None]:
    """While active, moto's ``before-send`` hook passes on requests ``serves`` claims."""
    with contextlib.ExitStack() as stack:
        if _STUBBER in sys.modules:
            _patch_stubber(stack, serves)
        else:
            waiting = AfterImport(_STUBBER, lambda: _patch_stubber(stack, serves))
            waiting.install()
            stack.callback(waiting.remove)
        yield


def _patch_stubber(stack: contextlib.ExitStack, serves: Callable[[Any], bool]) -> None:
    """Patch moto's hook class (its one instance is registered with botocore) until
    ``stack`` closes; nothing for a moto without it."""
    stubber = getattr(sys.modules.get(_STUBBER), "BotocoreStubber", None)
    if stubber is None:
        return
    original = stubber.__call__

    def __call__(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        # A hook no mock_aws enabled answers nothing: no need to read the request for it.
        if getattr(self, "enabled", True) and serves(request):
            return None
        return original(self, event_name, request, **kwargs)

    stack.enter_context(Replaced(stubber, "__call__", __call__))
