"""Side by side with moto: the services the fake serves are left to the fake.

moto's ``mock_aws`` answers requests in botocore's ``before-send`` hook, which runs before
the fake's layer, and it knows Firehose too. While a fake is active, moto's hook is told
to pass on the requests the fake serves, whichever of the two started first. This is the
only module that touches moto, and only when moto is already imported: a test that uses
``mock_aws`` imports moto before any fixture starts.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

_STUBBER = "moto.core.botocore_stubber"


@contextlib.contextmanager
def leave_to_fake(serves: Callable[[Any], bool]) -> Iterator[None]:
    """While active, moto's ``before-send`` hook passes on requests ``serves`` claims."""
    module = sys.modules.get(_STUBBER)
    stubber = getattr(module, "BotocoreStubber", None)
    if stubber is None:
        yield
        return
    original = stubber.__call__

    def __call__(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        if serves(request):
            return None
        return original(self, event_name, request, **kwargs)

    with mock.patch.object(stubber, "__call__", __call__):
        yield
