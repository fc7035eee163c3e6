"""Failure messages for the assertion helpers: what is missing, unexpected, duplicated."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from pytest_firehose._engine.calls import Call
from pytest_firehose._errors import Term, UsageError
from pytest_firehose._payload import PayloadRecord, shown

_SHOWN = 10
#: Values whose repr is longer than this are cut short in messages.
_LONG = 80


def listing(items: Iterable[bytes]) -> str:
    """Payloads as a failure message lists them: the first ten, and how many more."""
    items = list(items)
    listed = ", ".join(shown(item) for item in items[:_SHOWN])
    more = f", ... and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return f"[{listed}{more}]"


def expected_payloads(helper: str, expected: object, *, ordered: bool) -> list[bytes]:
    """The payloads an assertion helper (``helper``, as ``assert_delivered``) was given,
    as bytes; :class:`UsageError` naming the fix for anything that is not a collection of
    payload bytes (a record the fake kept counts as its payload), and for a set when the
    order is asserted."""
    if isinstance(expected, Mapping):  # its keys would be taken as the payloads
        raise UsageError(
            f"{helper}() takes a list of payloads as bytes, not a mapping {cut(expected)}: "
            "give each payload's bytes, such as json.dumps(record).encode() for a JSON record"
        )
    if isinstance(expected, (str, bytes, bytearray, memoryview)) or not isinstance(
        expected, Iterable
    ):
        raise UsageError(
            f"{helper}() takes a list of payloads as bytes, such as "
            f"{helper}([b'a', b'b']), not {cut(expected)}"
        )
    if ordered and isinstance(expected, AbstractSet):
        raise UsageError(
            f"{helper}(): a set has no order: give a list to {helper}(..., ordered=True)"
        )
    payloads: list[bytes] = []
    for position, payload in enumerate(expected):
        if isinstance(payload, PayloadRecord):
            payloads.append(payload.data)
        elif isinstance(payload, (bytes, bytearray, memoryview)):
            payloads.append(bytes(payload))
        else:
            fix = ""
            if isinstance(payload, str):
                with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate has no UTF-8
                    fix = f", such as {payload.encode()!r}"
            raise UsageError(
                f"{helper}(): payloads are bytes{fix}; the one at position {position} is "
                f"{cut(payload)}"
            )
    return payloads


def cut(value: object, quote: Term = repr) -> str:
    """``value`` as ``quote`` quotes it for a message, cut short (with its length) when
    long."""
    text = quote(value)
    return text if len(text) <= _LONG else f"{text[:_LONG]}... ({len(text):,} characters)"


def call_log(calls: Sequence[Call], home: str | None = None) -> str:
    """The calls, one line each, numbered by their position in the log; a retry names the
    position of its API call's first attempt (the attempts share an invocation id), and a
    call to another region than ``home`` names its region."""
    if not calls:
        return "  (no calls reached the fake)"
    first_seen: dict[str, int] = {}
    lines = []
    for position, call in enumerate(calls, start=1):
        first = first_seen.setdefault(call.invocation_id, position) if call.invocation_id else None
        retry_of = first if first != position else None
        lines.append(f"  {call.describe(position, retry_of, home=home)}")
    return "\n".join(lines)


def delivery_mismatch(
    what: str,
    expected: Sequence[bytes],
    actual: Sequence[bytes],
    *,
    ordered: bool,
    calls: Sequence[Call],
) -> str | None:
    """``None`` when ``actual`` holds each expected payload exactly once (in order if asked);
    otherwise a message with the missing, unexpected and duplicated payloads and the calls.
    ``expected``: as :func:`expected_payloads` gives them."""
    want, got = Counter(expected), Counter(actual)
    lines: list[str] = []
    missing = want - got
    if missing:
        lines.append(f"  missing ({sum(missing.values())}): {listing(missing.elements())}")
    unexpected = Counter({k: v for k, v in got.items() if k not in want})
    if unexpected:
        lines.append(f"  unexpected ({sum(unexpected.values())}): {listing(unexpected.elements())}")
    duplicated = {k: v for k, v in got.items() if k in want and v > want[k]}
    if duplicated:
        listed = ", ".join(
            f"{shown(payload)} x{count} (expected {want[payload]})"
            for payload, count in list(duplicated.items())[:_SHOWN]
        )
        lines.append(f"  duplicated ({len(duplicated)}): {listed}")
    if not lines and ordered and list(expected) != list(actual):
        first = next(i for i, (a, b) in enumerate(zip(expected, actual, strict=True)) if a != b)
        lines.append(
            f"  out of order: position {first} holds {shown(actual[first])}, "
            f"expected {shown(expected[first])}"
        )
    if not lines:
        return None
    header = (
        f"{what}: expected {len(expected)} record(s), each exactly once"
        f"{' and in order' if ordered else ''}; got {len(actual)}"
    )
    return "\n".join([header, *lines, "calls:", call_log(calls)])
