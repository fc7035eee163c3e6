"""OpenSearch's range fields ``integer_range``, ``long_range``, ``float_range``,
``double_range``, ``ip_range`` and ``date_range``: their parameters, and whether a
document's range fits (a ``date_range``'s bounds, ``format`` and ``locale`` are read in
``index_date_math``; its bounds are longs of milliseconds).

Facts (OpenSearch 2.19: ``RangeFieldMapper`` (``Builder``, ``setupFieldType``,
``parseCreateField``, ``parseIpRangeFromCidr``), ``RangeType`` (``parseFrom``, ``parseTo``,
``nextUp``, ``nextDown``, ``createFields``), ``NumberFieldMapper.NumberType`` (each bound
read as a number field reads its value), ``InetAddresses`` (``forString``, ``parseCidr``),
``ParametrizedFieldMapper``; Lucene's ``IntRange``, ``LongRange``, ``FloatRange``,
``DoubleRange`` (``verifyAndEncode``) and ``InetAddressRange``):

- the parameters are ``index``, ``doc_values``, ``store``, ``coerce``, ``format``,
  ``locale``, ``boost``, ``meta`` and ``ignore_malformed``; another is refused (``unknown
  parameter [x] on mapper [r] of type [integer_range]``), and so is a ``format`` on any
  but a ``date_range`` (``field [r] of type [range] should not define a dateTimeFormatter
  unless it is a DATE type``);
- a value is an object of ``gt``, ``gte``, ``lt``, ``lte`` (a ``null`` bound is none; the
  missing ones are the type's least and greatest), read key by key: each bound as a number
  field of the type reads its value (``For input string: "x"``, ``Value [3000000000] is
  out of range for an integer``, ``[float] supports only finite values, but got
  [Infinity]``), an address for ``ip_range`` (``'x' is not an IP string literal.``);
  another key fails (``error parsing field [r], with unknown parameter [x]``); an
  ``ip_range`` also takes a CIDR string (``Expected [ip/prefix] but was [x]``, ``Illegal
  prefix length [33] in [10.0.0.0/33]. Must be 0-32 for IPv4 ranges, 0-128 for IPv6
  ranges``); any other value fails (``error parsing field [r], expected an object but got
  r``);
- ``gt`` and ``lt`` move their bound one step in (the next integer, float, double or
  address); where the field is indexed, a lower bound past the upper one fails
  (``min value (6) is greater than max value (5)``, ``min value cannot be greater than
  max value for InetAddressRange field``);
- with ``ignore_malformed`` a bound or CIDR that cannot be read leaves the field out; an
  unknown key, a bound that is no number or string, and a lower bound past the upper one
  still fail the document.
"""

from __future__ import annotations

import ipaddress
import math
import struct
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pytest_firehose._destinations.index_date_math import MathFailure, date_range_parser
from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_special import (
    REFUSES,
    check_parameter,
    dropped,
    java_boolean,
)
from pytest_firehose._destinations.index_values import (
    LONG_TEXT,
    OK,
    Check,
    Previewed,
    float_check,
    integer_check,
    java_double,
    java_float,
    java_float_text,
    parse_java_double,
    preview,
)

TYPES = ("integer_range", "long_range", "float_range", "double_range", "ip_range", "date_range")
#: The parameters the builder reads, in the order it shows them.
_PARAMETERS = (
    "index",
    "doc_values",
    "store",
    "coerce",
    "format",
    "locale",
    "boost",
    "meta",
    "ignore_malformed",
)
_NOT_MODELLED = ("fields", "copy_to")
_BOUNDS = ("gt", "gte", "lt", "lte")
_WIDTH = {"integer_range": 32, "long_range": 64, "date_range": 64}
_IPV6_TOP = 2**128 - 1


def range_field(name: str, kind: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The range field ``name`` (its full path) of ``kind`` as ``definition`` (without its
    type) defines it; ValueError for what OpenSearch refuses (in its words) or the fake
    does not model."""
    where = f"field [{name}]"
    simple = name.rsplit(".", 1)[-1]
    if multi:
        raise ValueError(
            f"{where}: a {kind} sub-field (in another field's fields) is not modelled: give "
            "the range a field of its own"
        )
    given: dict[str, Any] = {}
    for key, value in definition.items():
        if key in _NOT_MODELLED:
            raise ValueError(
                f"{where}: the parameter {key!r} of a {kind} field is not modelled "
                f"(modelled: {', '.join(sorted(_PARAMETERS))})"
            )
        if dropped(key, _PARAMETERS):
            continue
        check_parameter(simple, kind, key, value, _PARAMETERS, ())
        given[key] = _parameter(where, key, value)
    if "format" in given and kind != "date_range":
        raise ValueError(
            f"{REFUSES}field [{simple}] of type [range] should not define a dateTimeFormatter "
            "unless it is a DATE type"
        )
    shown: dict[str, Any] = {}
    for key, default in (("index", True), ("doc_values", True), ("store", False)):
        if given.get(key, default) != default:
            shown[key] = given[key]
    if "coerce" in given:
        shown["coerce"] = given["coerce"]
    parse_date = None
    if kind == "date_range":
        parse_date, date_shown = date_range_parser(where, given.get("format"), given.get("locale"))
        shown.update(date_shown)
    if given.get("boost", 1.0) != 1.0:
        shown["boost"] = given["boost"]
    if given.get("meta"):
        shown["meta"] = given["meta"]
    if given.get("ignore_malformed"):
        shown["ignore_malformed"] = True
    check = range_check(
        kind,
        simple,
        name,
        coerce=given.get("coerce", True),
        indexed=given.get("index", True),
        ignore_malformed=given.get("ignore_malformed", False),
        parse_date=parse_date,
    )
    return Leaf(kind, shown, check)


def _parameter(where: str, key: str, value: Any) -> Any:
    """One parameter's value as its parser reads it."""
    if key in ("index", "doc_values", "store", "coerce", "ignore_malformed"):
        try:
            return java_boolean(value)
        except ValueError as refused:
            raise ValueError(f"{REFUSES}{refused}") from None
    if key == "boost":
        if value is True or value is False or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: boost is a number, such as 2.0, not {value!r}")
        return float(value)
    if key == "meta":
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError(f"{where}: meta is an object of strings, not {value!r}")
        return {one: value[one] for one in sorted(value)}
    if not isinstance(value, str):  # format, locale
        raise ValueError(f'{where}: {key} is a string, such as "en_US", not {value!r}')
    return value


class _Failed(Exception):
    """A range the field does not take: the ``caused_by`` (None: left out), what the
    message previews, and whether ``ignore_malformed`` takes it."""

    def __init__(self, cause: Any, shown: str, *, ignorable: bool = True) -> None:
        super().__init__(cause)
        self.cause = cause
        self.shown = shown
        self.ignorable = ignorable


def _number(kind: str, value: Any, coerce: bool) -> float | int:
    """A numeric bound, read as a field of the range's number type reads its value."""
    if value is True or value is False or isinstance(value, (dict, list)):
        raise _Failed(None, preview(value), ignorable=False)
    if value == "":
        raise _Failed(None, "", ignorable=True)
    number_kind = kind.removesuffix("_range")
    check = (
        integer_check(number_kind, coerce) if kind in _WIDTH else float_check(number_kind, coerce)
    )
    answer = check(value)
    if answer is not OK:
        raise _Failed(answer, preview(value), ignorable=answer is not None)
    if kind in _WIDTH:
        if isinstance(value, str):
            return int(Decimal(value))
        return int(value)
    number = float(value) if not isinstance(value, str) else parse_java_double(value)
    assert number is not None  # the check read it
    return java_float(number) if kind == "float_range" else number


def _address(text: str) -> int:
    """``InetAddresses.forString``: the address as the 128 bits Lucene encodes it in (an
    IPv4 address as IPv4-mapped IPv6)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise _Failed(
            ("illegal_argument_exception", f"'{text}' is not an IP string literal."), text
        ) from None
    if isinstance(address, ipaddress.IPv4Address):
        return 0xFFFF00000000 | int(address)
    if address.ipv4_mapped is not None:
        return 0xFFFF00000000 | int(address.ipv4_mapped)
    return int(address)


def _cidr(text: str) -> None:
    """``InetAddresses.parseCidr`` of an ``ip_range``'s string (a range that is always in
    order)."""
    fields = text.split("/")
    while fields and fields[-1] == "":  # Java's split drops trailing empty strings
        fields.pop()
    if len(fields) != 2:
        cause = ("illegal_argument_exception", f"Expected [ip/prefix] but was [{text}]")
        raise _Failed(cause, text)
    address = _address(fields[0])
    v4 = address >> 32 == 0xFFFF
    if ":" in fields[0] and v4:
        cause = (
            "illegal_argument_exception",
            "CIDR notation is not allowed with IPv6-mapped IPv4 address "
            f"[{fields[0]} as it introduces ambiguity as to whether the prefix length should "
            "be interpreted as a v4 prefix length or a v6 prefix length",
        )
        raise _Failed(cause, text)
    digits = fields[1]
    if not LONG_TEXT.fullmatch(digits):
        raise _Failed(("number_format_exception", f'For input string: "{digits}"'), text)
    prefix = int(digits)
    if prefix < 0 or prefix > (32 if v4 else 128):
        cause = (
            "illegal_argument_exception",
            f"Illegal prefix length [{prefix}] in [{text}]. Must be 0-32 for IPv4 ranges, "
            "0-128 for IPv6 ranges",
        )
        raise _Failed(cause, text)


def _step(kind: str, number: Any, up: bool) -> Any:
    """``RangeType.nextUp`` / ``nextDown``: one integer (wrapping as Java's do), float,
    double or address further."""
    if kind in _WIDTH:
        bits = _WIDTH[kind]
        moved = number + (1 if up else -1)
        return (moved + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1)
    if kind == "ip_range":
        return min(_IPV6_TOP, max(0, number + (1 if up else -1)))
    if kind == "float_range":
        bits = struct.unpack("<i", struct.pack("<f", number))[0]
        if number == 0:
            return java_float(1.4e-45 if up else -1.4e-45)
        bits += 1 if (number > 0) == up else -1
        return float(struct.unpack("<f", struct.pack("<i", bits))[0])
    return math.nextafter(number, math.inf if up else -math.inf)


def _least(kind: str) -> Any:
    if kind in _WIDTH:
        return -(2 ** (_WIDTH[kind] - 1))
    return 0 if kind == "ip_range" else -math.inf


def _greatest(kind: str) -> Any:
    if kind in _WIDTH:
        return 2 ** (_WIDTH[kind] - 1) - 1
    return _IPV6_TOP if kind == "ip_range" else math.inf


def _shown_bound(kind: str, number: Any) -> str:
    if kind in _WIDTH:
        return str(number)
    return java_float_text(number) if kind == "float_range" else java_double(number)


def _date(parse_date: Callable[[str], int], bound: Any) -> int:
    """A ``date_range`` bound: the parser's text of it, read with date math."""
    if isinstance(bound, (dict, list)):
        raise _Failed(None, preview(bound), ignorable=False)
    try:
        return parse_date(preview(bound))
    except MathFailure as failure:
        raise _Failed(failure.cause, preview(bound), ignorable=failure.ignorable) from None


def range_check(
    kind: str,
    simple: str,
    full: str,
    *,
    coerce: bool,
    indexed: bool,
    ignore_malformed: bool,
    parse_date: Callable[[str], int] | None = None,
) -> Check:
    """A range field's check of one value (an array's values come one by one): OK, or a
    :class:`Previewed` cause; a ``date_range``'s with its ``parse_date``."""

    def read(value: Any) -> Any:
        if kind == "ip_range" and isinstance(value, str):
            _cidr(value)
            return OK
        if not isinstance(value, dict):
            cause = (
                "mapper_parsing_exception",
                f"error parsing field [{full}], expected an object but got {simple}",
            )
            raise _Failed(cause, preview(value), ignorable=False)
        low, high = _least(kind), _greatest(kind)
        malformed = False
        for key, bound in value.items():
            if key not in _BOUNDS:
                cause = (
                    "mapper_parsing_exception",
                    f"error parsing field [{full}], with unknown parameter [{key}]",
                )
                raise _Failed(cause, preview(bound), ignorable=False)
            if bound is None:
                continue
            try:
                if kind == "ip_range":
                    if isinstance(bound, (dict, list)):
                        raise _Failed(None, preview(bound), ignorable=False)
                    number: Any = _address(preview(bound))
                elif parse_date is not None:
                    number = _date(parse_date, bound)
                else:
                    number = _number(kind, bound, coerce)
            except _Failed as failure:
                if ignore_malformed and failure.ignorable:
                    malformed = True
                    continue
                raise
            if key.startswith("g"):
                low = number if key == "gte" else _step(kind, number, up=True)
            else:
                high = number if key == "lte" else _step(kind, number, up=False)
        if malformed:
            return OK
        if indexed and low > high:
            if kind == "ip_range":
                reason = "min value cannot be greater than max value for InetAddressRange field"
            else:
                reason = (
                    f"min value ({_shown_bound(kind, low)}) is greater than max value "
                    f"({_shown_bound(kind, high)})"
                )
            raise _Failed(("illegal_argument_exception", reason), "null", ignorable=False)
        return OK

    def check(value: Any) -> Any:
        try:
            return read(value)
        except _Failed as failure:
            if ignore_malformed and failure.ignorable:
                return OK
            return Previewed(failure.cause, failure.shown)

    return check
