"""Running a function right after a module is first imported, without importing it.

Used for the libraries the fake patches only when they are in use: aiobotocore (below) and
moto's ``before-send`` hook (imported after a fake started, it must still leave the fake's
requests alone).

The async patch needs aiobotocore, which takes about 300 ms to import: a suite that never
makes an async client should not pay for it. So while a fake is active and aiobotocore is
not imported yet, a finder on ``sys.meta_path`` waits for the module async clients are
made from; the moment it has been executed, the patch is installed, before any client
exists.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any


class _Loader(importlib.abc.Loader):
    """The module's own loader, then ``then``."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._then()


class AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``then`` once, right after module ``name`` is first executed (not at all if it
    never is, or the finder is removed first)."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name = name
        self._then = then

    def install(self) -> None:
        sys.meta_path.insert(0, self)

    def remove(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        self.remove()  # once: the real finders locate the module
        spec: importlib.machinery.ModuleSpec | None = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader, self._then)
        return spec
