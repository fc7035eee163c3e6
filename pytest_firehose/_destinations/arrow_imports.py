"""pyarrow's modules imported so that frozen-time mode cannot fail the import.

Record format conversion and Glue tables import pyarrow when a test first uses them. In
frozen-time mode freezegun has by then put a subclass of its own in place of
``datetime.date`` and ``datetime.datetime``, and pyarrow's compiled modules, which check the
size of those types as they load, warn ``RuntimeWarning: datetime.date size changed`` (an
error wherever warnings are errors). pyarrow reads and writes dates and times as before
once loaded so (it takes them through datetime's C API), so the warning says nothing about
the fake's work: it is silenced for the import, and only it.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

#: The warning a compiled module gives on loading while freezegun's classes stand in.
_SIZE_CHANGED = r"datetime\.\w+ size changed, may indicate binary incompatibility"


def arrow_module(name: str) -> Any:
    """pyarrow's module ``name`` (``pyarrow``, ``pyarrow.parquet`` ...), imported the first
    time without the size warning frozen time causes; later, as imported then."""
    module = sys.modules.get(name)
    if module is None:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_SIZE_CHANGED, category=RuntimeWarning)
            module = importlib.import_module(name)
    return module
