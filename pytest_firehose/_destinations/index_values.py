"""Whether an OpenSearch field of a type takes a document's value, and what OpenSearch says
when it does not; and a value as OpenSearch previews it in that message.

Facts (OpenSearch's source, ``NumberFieldMapper``, ``BooleanFieldMapper``,
``DateFieldMapper``, ``IpFieldMapper``, ``FieldMapper`` and the parser's number reading;
recorded bulk answers): a value a field cannot take fails the document with
``mapper_parsing_exception`` ``failed to parse field [NAME] of type [TYPE] in document with
id 'ID'. Preview of field's value: 'VALUE'``, ``VALUE`` being the value as Java prints it
(``{a=1}`` for an object, in Java ``HashMap`` order; ``[1, 2]``; ``5.7``, ``1.0E7``), and
its ``caused_by``:

- a number field (``coerce`` on, the default): a string is read as a number (a floating
  point type's with ``Double.parseDouble``, hexadecimal ``0x1p3`` too; ``"5"`` is 5;
  ``"5.7"`` into a ``long`` is 5; ``""`` is no value), a fraction into an integer type is
  cut to its whole part; ``For input string: "ten"`` (``illegal_argument_exception`` for
  the integer types, ``number_format_exception`` for the floating point ones), ``Value
  [X] is out of range for a long`` (``an integer``, ``a short``, ``a byte``), ``[float]
  supports only finite values, but got [NaN]`` (a ``half_float`` past 65504, which
  ``HalfFloatPoint`` rounds to infinity: ``[half_float] supports only finite values, but
  got [70000.0]``); with ``coerce`` off a string is refused
  (``Long value passed as String``) and so is a fraction into an integer type (``Value
  [5.7] has a decimal part``);
- ``boolean``: ``true``, ``false``, ``"true"``, ``"false"`` and ``""`` (false);
  ``Failed to parse value [yes] as only [true] or [false] are allowed.``;
- ``date``: a string or a number its format reads (see ``index_dates``); ``failed to parse
  date field [X] with format [F]``, or Java's ``DateTimeException`` where OpenSearch
  completes the date (``Invalid date 'FEBRUARY 30'``);
- ``ip``: an IPv4 or IPv6 literal; ``'X' is not an IP string literal.``;
- ``keyword`` and ``text``: any value but an object.

Where OpenSearch's ``caused_by`` quotes the parser's position in the record (an object or
a boolean into a number field, a number out of the range JSON numbers are read into), the
fake leaves ``caused_by`` out: the ``type`` and ``reason`` are OpenSearch's.
"""

from __future__ import annotations

import ipaddress
import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pytest_firehose._destinations.index_dates import DEFAULT, PARSE_FAILURE, parser
from pytest_firehose._destinations.java_hashmap import hash_order

#: (type, reason) of a value's ``caused_by``, or (type, reason, its own ``caused_by``);
#: None where the fake leaves it out.
Cause = tuple[str, str] | tuple[str, str, "Cause"] | None
#: What a field's check answers for a value it does not take (a value it takes: ``OK``).
OK: Any = object()


@dataclass(frozen=True)
class Previewed:
    """A check's answer that also says what the message previews (where the parser
    stopped, rather than the value the field was given)."""

    cause: Cause
    shown: str


#: What ``Long.parseLong`` and ``Integer.parseInt`` read (their ranges checked apart).
LONG_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: ``Double.parseDouble``'s grammar (``Double.valueOf``'s, without underscores): a decimal
#: or a hexadecimal (``0x1.8p1``: the ``p`` exponent required) number, with an optional
#: sign and ``f``/``d`` suffix, or ``NaN`` or ``Infinity``.
DOUBLE_TEXT = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?)"
)
_HEX_TEXT = re.compile(r"([+-]?)0[xX]([0-9a-fA-F.]+)[pP]([+-]?)([0-9]+)[fFdD]?")
#: The greatest exponent ``Integer.parseInt`` reads: past it a hexadecimal number that is
#: not zero is infinite (zero for a negative exponent), whatever its digits.
_INT_MAX = 2**31 - 1
#: Integer type -> (least, most, its article and name in messages).
INTEGERS = {
    "long": (-(2**63), 2**63 - 1, "a long"),
    "integer": (-(2**31), 2**31 - 1, "an integer"),
    "short": (-(2**15), 2**15 - 1, "a short"),
    "byte": (-(2**7), 2**7 - 1, "a byte"),
}
FLOATS = ("double", "float", "half_float")
#: The least float ``HalfFloatPoint`` rounds to infinity: 65504, the greatest half float,
#: and half its last step (the tie rounds to even, away from it).
HALF_FLOAT_PAST = 65520.0
_BOXED = {"long": "Long", "integer": "Integer", "short": "Short", "byte": "Byte"}
_BOXED.update(double="Double", float="Float", half_float="Float")


# ------------------------------------------------------------------ Java's text of values


def java_double(value: float) -> str:
    """``Double.toString``: plain between 10^-3 and 10^7, else ``d.dddE±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    _sign, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) + int(exponent) - 1
    return f"{'-' if value < 0 else ''}{text[0]}.{text[1:] or '0'}E{power}"


def preview(value: Any) -> str:
    """``value`` as OpenSearch's message previews it: Java's ``toString`` of the value the
    parser read (an object is a ``HashMap``, listed in its table's order)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(preview(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={preview(value[key])}" for key in hash_order(value)) + "}"
    return str(value)


# ------------------------------------------------------------------ each type's check

Check = Callable[[Any], Any]


def _number_text(value: Any) -> str:
    return java_double(value) if isinstance(value, float) else str(value)


def integer_check(kind: str, coerce: bool) -> Check:
    """An integer type's check (see the module). A JSON number is read as a long (or, for
    the others, an int) first, a string as ``Numbers.toLong`` (``toInt``) reads it; a
    ``short`` or ``byte`` is then checked against its own range."""
    least, most, named = INTEGERS[kind]
    wide = INTEGERS["long" if kind == "long" else "integer"]
    boxed = _BOXED[kind]

    def check(value: Any) -> Any:
        if value is True or value is False or isinstance(value, (dict, list)):
            return None
        if isinstance(value, str):
            if not coerce:
                return ("illegal_argument_exception", f"{boxed} value passed as String")
            if value == "":
                return OK
            if LONG_TEXT.fullmatch(value):
                number = int(value)
            elif _DECIMAL_TEXT.fullmatch(value):
                number = int(Decimal(value))
            else:
                return ("illegal_argument_exception", f'For input string: "{value}"')
            if not wide[0] <= number <= wide[1]:
                reason = f"Value [{value}] is out of range for {wide[2]}"
                return ("illegal_argument_exception", reason)
        elif isinstance(value, float):
            if not math.isfinite(value) or not wide[0] <= value < wide[1] + 1:
                return None
            if not coerce and not value.is_integer():
                reason = f"Value [{_number_text(value)}] has a decimal part"
                return ("illegal_argument_exception", reason)
            number = int(value)
        else:
            number = value
            if not wide[0] <= number <= wide[1]:
                return None
        if not least <= number <= most:
            return ("illegal_argument_exception", f"Value [{number}] is out of range for {named}")
        return OK

    return check


#: What Java's ``String.trim`` drops from either end: every character up to the space.
JAVA_BLANKS = "".join(map(chr, range(0x21)))


def parse_java_double(text: str) -> float | None:
    """``Double.parseDouble`` of ``text`` (trimmed as Java trims), None where it throws."""
    text = text.strip(JAVA_BLANKS)
    if not DOUBLE_TEXT.fullmatch(text):
        return None
    hexadecimal = _HEX_TEXT.fullmatch(text)
    if hexadecimal is not None:
        return _hex_double(*hexadecimal.groups())
    return float(text.rstrip("fFdD").replace("Infinity", "inf"))


def _hex_double(sign: str, digits: str, exponent_sign: str, exponent: str) -> float:
    """``FloatingDecimal.parseHexString``: the hexadecimal significand ``digits`` times two
    to the exponent, rounded to the nearest double (ties to even), infinite past them."""
    negative = sign == "-"
    if not digits.strip("0."):  # only zeros: a zero, whatever the exponent
        return -0.0 if negative else 0.0
    if int(exponent) > _INT_MAX:  # Integer.parseInt overflows: the exponent's sign decides
        number = math.inf if exponent_sign != "-" else 0.0
        return -number if negative else number
    try:
        return float.fromhex(f"{sign}0x{digits}p{exponent_sign}{exponent}")
    except OverflowError:
        return -math.inf if negative else math.inf


def unread_double(text: str) -> tuple[str, str]:
    """The ``NumberFormatException`` ``Double.parseDouble`` (and ``Float.parseFloat``)
    throws for ``text``, which :func:`parse_java_double` does not read: it quotes the text
    trimmed, and names a blank text ``empty String``."""
    trimmed = text.strip(JAVA_BLANKS)
    reason = f'For input string: "{trimmed}"' if trimmed else "empty String"
    return ("number_format_exception", reason)


def java_float(number: float) -> float:
    """Java's ``(float)`` of a double: rounded to the nearest float, infinite past them."""
    try:
        return float(struct.unpack("f", struct.pack("f", number))[0])
    except OverflowError:
        return math.copysign(math.inf, number)


def java_float_text(number: float) -> str:
    """Java's ``Float.toString``: the shortest decimal that reads back as the float."""
    if not math.isfinite(number):
        return java_double(number)
    for digits in range(1, 10):
        text = f"{number:.{digits}g}"
        if java_float(float(text)) == number:
            return java_double(float(text))
    return java_double(number)  # pragma: no cover - nine digits always suffice


class NoFloat(Exception):
    """A value :func:`float_value` reads no float from; ``cause`` is the ``caused_by``
    OpenSearch writes (None: left out, as the parser's own error quotes its position)."""

    def __init__(self, cause: tuple[str, str] | None) -> None:
        super().__init__(cause)
        self.cause = cause


def float_value(value: Any) -> float:
    """``XContentParser.floatValue``: a JSON number, or a string ``Float.parseFloat``
    reads, as a float; :class:`NoFloat` for anything else."""
    if isinstance(value, str):
        number = parse_java_double(value)
        if number is None:
            raise NoFloat(unread_double(value))
        return java_float(number)
    if value is True or value is False or not isinstance(value, (int, float)):
        raise NoFloat(None)
    return java_float(json_double(value))


def json_double(value: float) -> float:
    """A JSON number as a double: one past a double's range is infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def json_number(value: Any) -> float | None:
    """A JSON number (not a boolean) as a double; None for any other value."""
    if value is True or value is False or not isinstance(value, (int, float)):
        return None
    return json_double(value)


def read_double(value: Any, boxed: str, coerce: bool) -> tuple[float | None, Any]:
    """A floating point field's value read as Java reads a ``Double`` (``boxed``: the Java
    type a string is refused as under ``coerce: false``): ``(number, None)``, or ``(None,
    answer)`` with what the check answers instead (None: no number at all, OK: an empty
    string, which adds no value, or the error)."""
    if value is True or value is False or isinstance(value, (dict, list)):
        return None, None
    if not isinstance(value, str):
        return json_double(value), None
    if not coerce:
        return None, ("illegal_argument_exception", f"{boxed} value passed as String")
    if value == "":
        return None, OK
    number = parse_java_double(value)
    if number is None:
        return None, unread_double(value)
    return number, None


def float_check(kind: str, coerce: bool) -> Check:
    """A floating point type's check (see the module)."""
    boxed = _BOXED[kind]

    def check(value: Any) -> Any:
        number, answer = read_double(value, boxed, coerce)
        if number is None:
            return answer
        if kind != "double" and math.isfinite(number) and abs(number) > 3.4028234663852886e38:
            number = math.copysign(math.inf, number)
        if not math.isfinite(number):
            shown = java_double(number)
        elif kind == "half_float" and abs(java_float(number)) >= HALF_FLOAT_PAST:
            shown = java_float_text(java_float(number))
        else:
            return OK
        return (
            "illegal_argument_exception",
            f"[{kind}] supports only finite values, but got [{shown}]",
        )

    return check


def boolean_check(value: Any) -> Any:
    """``boolean``'s check (see the module)."""
    if value is True or value is False or value in ("true", "false", ""):
        return OK
    if isinstance(value, str):
        reason = f"Failed to parse value [{value}] as only [true] or [false] are allowed."
        return ("illegal_argument_exception", reason)
    return None


def text_check(value: Any) -> Any:
    """``keyword``'s and ``text``'s check: any value but an object."""
    return None if isinstance(value, dict) else OK


def date_check(formats: str | None) -> Check:
    """A ``date`` field's check, with its ``format`` (None: the default)."""
    shown = DEFAULT if formats is None else formats
    read = parser(shown)

    def check(value: Any) -> Any:
        if isinstance(value, (dict, list)):
            return None
        text = preview(value) if not isinstance(value, str) else value
        if value == "":
            return ("illegal_argument_exception", "cannot parse empty date")
        found = read(text)
        if found == PARSE_FAILURE:
            return (
                "illegal_argument_exception",
                f"failed to parse date field [{text}] with format [{shown}]",
            )
        if isinstance(found, tuple):  # DateFormatters.from's DateTimeException
            return found
        if not -(2**63) <= found // 10**6 < 2**63:  # Instant.toEpochMilli
            return ("arithmetic_exception", "long overflow")
        return OK

    return check


def ip_check(value: Any) -> Any:
    """``ip``'s check: an IPv4 or IPv6 literal."""
    if isinstance(value, (dict, list)):
        return None
    text = preview(value)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return ("illegal_argument_exception", f"'{text}' is not an IP string literal.")
    return OK
