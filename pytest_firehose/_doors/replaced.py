"""An attribute replaced for a while: what ``unittest.mock.patch.object`` does for the
doors, at a fraction of its cost (every test's fake replaces about a dozen)."""

from __future__ import annotations

from typing import Any

#: What ``Replaced`` saved when the owner held no value of its own under the name.
_ABSENT = object()


class Replaced:
    """``owner.name`` set to ``value`` while the ``with`` block runs, then put back as it
    was: the value ``owner`` held itself, or none of its own again (so it reads its class's
    or base's, as before). The attribute must exist when the block starts: one a library
    release moved or renamed raises ``AttributeError`` there, as ``mock.patch.object``
    does, rather than adding an attribute nothing reads."""

    __slots__ = ("_name", "_owner", "_saved", "_value")

    def __init__(self, owner: Any, name: str, value: Any) -> None:
        self._owner = owner
        self._name = name
        self._value = value
        self._saved: Any = _ABSENT

    def __enter__(self) -> None:
        owner, name = self._owner, self._name
        getattr(owner, name)  # none at all: AttributeError
        self._saved = vars(owner).get(name, _ABSENT)
        setattr(owner, name, self._value)

    def __exit__(self, *_: object) -> None:
        if self._saved is _ABSENT:
            delattr(self._owner, self._name)
        else:
            setattr(self._owner, self._name, self._saved)
        self._saved = _ABSENT
