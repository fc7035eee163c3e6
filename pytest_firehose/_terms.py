"""How a refusal of the Python API names what its caller wrote: the call refused, a keyword,
a value, a type, a call to make instead. A test calling ``put_from_msk(...)`` reads
Python's terms (``put_from_msk: offset=...``, ``None``, ``'60'``, ``int``); a client of the
local server's control API that sent the same through ``POST /_fake/msk`` reads its own
(``POST /_fake/msk: "offset": ...``, ``null``, ``"60"``, ``a number``).

A refusal is worded once, where it is raised, through :func:`terms` (one kept to be read
later, when it is read: :class:`Wording`); the control API sets its route's :class:`Terms`
around the call with :func:`speaking`. A context variable, so
each of the server's threads speaks to its own client, and a signature stays the API's."""

from __future__ import annotations

import difflib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

#: JSON's names for the types a JSON value arrives as, for ``not a number``.
_JSON_KINDS: dict[type, str] = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    tuple: "a list",
    dict: "an object",
}


def json_kind(of: type) -> str:
    """JSON's name for the type a JSON value arrives as: ``a number``, ``null``."""
    return _JSON_KINDS.get(of, of.__name__)


def json_term(value: Any) -> str:
    """``value`` as a client wrote it in JSON (``null``, ``true``, ``"60"``, ``NaN``), for
    a message quoting what it sent."""
    return json.dumps(value)


@dataclass(frozen=True)
class Terms:
    """The terms of one caller. Python's (the default) when ``route`` is ``None``; else
    those of an HTTP client of ``route``, whose body names a keyword as ``fields`` spell
    it (``{"primary_key": '"primaryKey"'}``; by default the keyword as a JSON string)."""

    route: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def call(self, python: str) -> str:
        """The call refused: as Python wrote it, or the route."""
        return python if self.route is None else self.route

    def phrase(self, python: str, http: str) -> str:
        """A phrase each caller words its own way: a call to make instead (``put_from_msk``
        or ``POST /_fake/msk``), a shape to give (``dicts`` or ``objects``)."""
        return python if self.route is None else http

    def name(self, keyword: str) -> str:
        """A keyword argument, named on its own: ``primary_key`` or ``"primaryKey"``."""
        return keyword if self.route is None else self.fields.get(keyword, json_term(keyword))

    def keyword(self, keyword: str, shown: str = "") -> str:
        """A keyword argument as written in a call, with ``shown`` (a value already quoted,
        or an example) after it: ``primary_key=['id']`` or ``"primaryKey": ["id"]``."""
        if self.route is None:
            return f"{keyword}={shown}"
        return f"{self.name(keyword)}: {shown}" if shown else self.name(keyword)

    def value(self, value: Any) -> str:
        """A value the caller gave, quoted: ``repr`` (``None``, ``'60'``) or JSON (``null``,
        ``"60"``). A :data:`pytest_firehose._errors.Term`."""
        return repr(value) if self.route is None else json_term(value)

    def kind(self, of: type) -> str:
        """A type named: ``int`` (``None`` for None's), or JSON's name for it (``a number``)."""
        if self.route is not None:
            return json_kind(of)
        return "None" if of is type(None) else of.__name__


class Wording:
    """A message worded each time it is read, in its reader's terms: the message of a
    refusal kept to be read later (``UsageError(Wording(...))`` as a delivery's error),
    which a test reads in Python's terms and a client of the server in its route's."""

    def __init__(self, message: Callable[[Terms], str]) -> None:
        self._message = message

    def __str__(self) -> str:
        return self._message(terms())


PYTHON = Terms()
_SPOKEN: ContextVar[Terms] = ContextVar("pytest_firehose_terms", default=PYTHON)


def terms() -> Terms:
    """The terms of the caller being served: Python's unless a door set others."""
    return _SPOKEN.get()


@contextmanager
def speaking(spoken: Terms) -> Iterator[None]:
    """Word the refusals raised inside the block in ``spoken`` terms."""
    token = _SPOKEN.set(spoken)
    try:
        yield
    finally:
        _SPOKEN.reset(token)


# ------------------------------------------------------------- arguments that do not fit


def own_words(error: TypeError) -> str:
    """Python's message for arguments that do not fit a signature, without the suggestion
    Python 3.13 adds to it (``... argument 'sed'. Did you mean 'seed'?``): :func:`misfit`
    makes one in the caller's terms, on every Python."""
    return str(error).partition(". Did you mean ")[0]


def did_you_mean(given: Iterable[str], keywords: Iterable[str]) -> str:
    """`` Did you mean NAME=?`` for the first of the ``given`` keywords that is none of
    ``keywords`` but close to one; empty if none is."""
    keywords = list(keywords)
    unknown = [key for key in given if key not in keywords]
    close = difflib.get_close_matches(unknown[0], keywords, n=1) if unknown else []
    return f" Did you mean {close[0]}=?" if close else ""


def listed_keywords(signature: inspect.Signature) -> str:
    """Every keyword of ``signature``, as a call writes them: ``records=, throttle=``."""
    return ", ".join(f"{key}=" for key in signature.parameters)


def misfit(signature: inspect.Signature, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    """Why ``args`` and ``kwargs`` do not fit ``signature`` (a misspelt keyword, an argument
    by position): Python's words, then the keyword a misspelt one is close to, as a
    sentence (``got an unexpected keyword argument 'record'. Did you mean records=?``);
    empty when they fit."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        return f"{own_words(error)}.{did_you_mean(kwargs, signature.parameters)}"
    return ""


def written(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    """The arguments of a call as its caller wrote them: ``'x', records=[1]``."""
    return ", ".join([*map(repr, args), *(f"{key}={value!r}" for key, value in kwargs.items())])


def cannot_take(function: Callable[..., Any], *args: Any) -> str | None:
    """``function``'s signature as text (``(index, data)``) when ``args`` do not fit it;
    None when they do, or when it has no signature to read (a builtin: its first call
    tells)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*args)
    except TypeError:
        return str(signature)
    return None
