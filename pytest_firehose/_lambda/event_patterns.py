"""Lambda's event-filtering pattern language: a ``FilterCriteria`` pattern read into
matchers (refusing one Lambda would refuse), and a JSON document matched against it.

Lambda takes EventBridge's pattern syntax (DOC, Lambda developer guide, "Lambda event
filtering": "the same set of syntax and rules as Amazon EventBridge"). A pattern is a JSON
object; its fields are ANDed; a field holds a nested pattern or a list of matchers, any of
which may match; ``$or`` holds patterns of which any may match. A matcher is a literal
(string, number, ``true``, ``false``, ``null``: a string equal character by character, a
number equal in value: 300 matches 300.0, REAL, though the guides say the two differ) or
an object with one operator: ``prefix``, ``suffix``, ``equals-ignore-case``, ``wildcard``,
``anything-but``, ``numeric``, ``exists``, ``cidr``. A document's list matches when any
element does.

A field's list of matchers is never empty (REAL: Lambda refuses ``{"eventSource": []}``,
LocalStack's AWS-validated snapshot, 2025).

``exists`` tests for a value that is not an object: ``exists: false`` matches an object
(REAL: Lambda's answer for a DynamoDB stream mapping, LocalStack's AWS-validated snapshot).

Choices (docs/fidelity.md): an empty object, as a pattern or inside one, is refused, as
AWS's open-source matcher (aws/event-ruler) refuses it.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pytest_firehose._json_text import strict_json

#: The invalid pattern's answer (REAL: InvalidParameterValueException with this message,
#: reported by users of CreateEventSourceMapping).
INVALID_PATTERN = "Invalid filter pattern definition."


class PatternError(ValueError):
    """A pattern Lambda refuses."""


class _Absent:
    """A field the document does not have (unlike ``null``, which it has)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

Matcher = Callable[[Any], bool]

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_LOWER_BOUNDS = (">", ">=")
_TEXT_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
_UPPER_BOUNDS = ("<", "<=")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool) or _is_number(value)


def _same(value: Any, literal: Any) -> bool:
    """Literal equality as the pattern language has it: same JSON kind, same value (a
    number of the same value, however written: 300 is 300.0)."""
    if _is_number(literal):
        return _is_number(value) and value == literal
    if value is ABSENT or isinstance(value, dict | list):
        return False
    return type(value) is type(literal) and value == literal


def _string(spec: Any, name: str) -> str:
    if not isinstance(spec, str):
        raise PatternError(f"{name} takes a string")
    return spec


def _text_test(name: str, spec: Any) -> Callable[[str], bool]:
    """The string test of ``prefix``, ``suffix``, ``equals-ignore-case`` or ``wildcard``."""
    if name in ("prefix", "suffix") and isinstance(spec, dict):
        # {"prefix": {"equals-ignore-case": "..."}}: the case-insensitive form.
        if list(spec) != ["equals-ignore-case"]:
            raise PatternError(f"{name} takes a string or an equals-ignore-case object")
        folded = _string(spec["equals-ignore-case"], name).casefold()
        if name == "prefix":
            return lambda text: text.casefold().startswith(folded)
        return lambda text: text.casefold().endswith(folded)
    text = _string(spec, name)
    if name == "prefix":
        return lambda value: value.startswith(text)
    if name == "suffix":
        return lambda value: value.endswith(text)
    if name == "equals-ignore-case":
        folded = text.casefold()
        return lambda value: value.casefold() == folded
    return _wildcard(text)


def _wildcard(text: str) -> Callable[[str], bool]:
    """``*`` stands for any characters; ``\\*`` is a star and ``\\\\`` a backslash (DOC,
    EventBridge's guide). Two stars in a row, and a backslash before anything else, are
    refused, as AWS's matcher (aws/event-ruler) refuses them."""
    pieces = []
    index = 0
    while index < len(text):
        character = text[index]
        if character == "*":
            if text.startswith("*", index + 1):
                raise PatternError("wildcard: consecutive stars")
            pieces.append(".*")
        elif character == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in ("*", "\\"):
                raise PatternError("wildcard: a backslash escapes a star or a backslash")
            pieces.append(re.escape(escaped))
            index += 1
        else:
            pieces.append(re.escape(character))
        index += 1
    compiled = re.compile("".join(pieces), re.DOTALL)
    return lambda value: compiled.fullmatch(value) is not None


def _on_strings(test: Callable[[str], bool]) -> Matcher:
    return lambda value: isinstance(value, str) and test(value)


def _numeric(spec: Any) -> Matcher:
    """``[op, n]`` or a range ``[">", low, "<=", high]``."""
    if not isinstance(spec, list) or len(spec) not in (2, 4):
        raise PatternError("numeric takes [operator, number] or a range of two")
    pairs = [(spec[index], spec[index + 1]) for index in range(0, len(spec), 2)]
    for name, bound in pairs:
        if name not in _COMPARISONS or not _is_number(bound):
            raise PatternError("numeric: unknown operator or a bound that is not a number")
    if len(pairs) == 2 and not (pairs[0][0] in _LOWER_BOUNDS and pairs[1][0] in _UPPER_BOUNDS):
        raise PatternError("numeric range: a lower bound, then an upper bound")
    if len(pairs) == 2 and not pairs[0][1] < pairs[1][1]:
        raise PatternError("numeric range: the lower bound below the upper")
    tests = [(_COMPARISONS[name], bound) for name, bound in pairs]
    return lambda value: _is_number(value) and all(test(value, bound) for test, bound in tests)


def _exists(spec: Any) -> Matcher:
    if not isinstance(spec, bool):
        raise PatternError("exists takes true or false")
    if spec:
        return lambda value: value is not ABSENT and not isinstance(value, dict)
    return lambda value: value is ABSENT or isinstance(value, dict)


def _cidr(spec: Any) -> Matcher:
    """An address, a slash and a number of mask bits (``10.0.0.0/24``): a bare address or a
    dotted mask is refused, as AWS's matcher (aws/event-ruler) refuses them."""
    _, slash, bits = _string(spec, "cidr").partition("/")
    if not slash or not (bits.isascii() and bits.isdigit()):
        raise PatternError("cidr: an address, a slash and a number of mask bits")
    try:
        network = ipaddress.ip_network(spec, strict=False)
    except ValueError as error:
        raise PatternError(f"cidr: {error}") from None

    def inside(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return inside


def _any_literal(values: list[Any]) -> Matcher:
    return lambda value: any(_same(value, item) for item in values)


def _anything_but(spec: Any) -> Matcher:
    """Matches a present value that none of ``spec`` matches. A string operator takes a
    string or a list of strings, an empty prefix or suffix refused (REAL, EventBridge's
    answers recorded against AWS)."""
    if isinstance(spec, dict):
        if len(spec) != 1 or next(iter(spec)) not in _TEXT_OPERATORS:
            raise PatternError("anything-but takes values or one string operator")
        name, inner = next(iter(spec.items()))
        texts = inner if isinstance(inner, list) else [inner]
        if not all(isinstance(text, str) for text in texts):
            raise PatternError(f"anything-but {name} takes a string or a list of strings")
        if name in ("prefix", "suffix") and "" in texts:
            raise PatternError(f"anything-but {name}: an empty {name}")
        tests = [_text_test(name, text) for text in texts]
        excluded = _on_strings(lambda text: any(test(text) for test in tests))
    else:
        values = spec if isinstance(spec, list) else [spec]
        strings = all(isinstance(item, str) for item in values)
        if not values or not (strings or all(_is_number(item) for item in values)):
            raise PatternError("anything-but takes strings, or numbers, not both")
        excluded = _any_literal(values)
    return lambda value: value is not ABSENT and not isinstance(value, dict) and not excluded(value)


def _operator(spec: dict[str, Any]) -> Matcher:
    if len(spec) != 1:
        raise PatternError("a matcher object holds exactly one operator")
    name, argument = next(iter(spec.items()))
    if name in _TEXT_OPERATORS:
        return _on_strings(_text_test(name, argument))
    builders: dict[str, Callable[[Any], Matcher]] = {
        "numeric": _numeric,
        "exists": _exists,
        "cidr": _cidr,
        "anything-but": _anything_but,
    }
    if name not in builders:
        raise PatternError(f"unknown operator {name!r}")
    return builders[name](argument)


def _matcher(spec: Any) -> Matcher:
    if isinstance(spec, dict):
        return _operator(spec)
    if _is_scalar(spec):
        return lambda value: _same(value, spec)
    raise PatternError("a matcher is a literal or an operator object")


@dataclass(frozen=True)
class Leaf:
    """A field's list of matchers: any may match the value (or any element of a list)."""

    matchers: tuple[Matcher, ...]

    def matches(self, value: Any) -> bool:
        return any(
            matcher(ABSENT if isinstance(item, list) else item)
            for item in _elements(value)
            for matcher in self.matchers
        )


def _elements(value: Any) -> Iterator[Any]:
    """``value`` itself, or for a list that is not empty, each of its elements, lists of
    lists walked through (without recursion: a record may nest 1,000 levels); an empty
    list stands for itself."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list) and item:
            pending.extend(reversed(item))
        else:
            yield item


def _field(document: Any, name: str) -> Any:
    """What ``document`` holds under ``name``, the names of its own that begin ``name.``
    included: a field is its path of names joined with dots, so ``{"a.b": 1}`` holds what
    ``{"a": {"b": 1}}`` does (REAL). Both at once are a list of the two."""
    if not isinstance(document, dict):
        return ABSENT
    value = document.get(name, ABSENT)
    head = name + "."
    dotted = {key[len(head) :]: item for key, item in document.items() if key.startswith(head)}
    if not dotted:
        return value
    return dotted if value is ABSENT else [value, dotted]


@dataclass(frozen=True)
class Pattern:
    """A pattern object: every field must match, and one branch of every ``$or``."""

    fields: tuple[tuple[str, Pattern | Leaf], ...]
    alternatives: tuple[tuple[Pattern, ...], ...] = ()

    def matches(self, document: Any) -> bool:
        if isinstance(document, list) and document:
            return any(self._matches_one(element) for element in _elements(document))
        return self._matches_one(document)

    def _matches_one(self, document: Any) -> bool:
        for name, rule in self.fields:
            if not rule.matches(_field(document, name)):
                return False
        return all(
            any(branch.matches(document) for branch in branches) for branches in self.alternatives
        )

    def names(self) -> set[str]:
        """The top-level field names it tests, in any ``$or`` branch too."""
        found = {name for name, _ in self.fields}
        for branches in self.alternatives:
            for branch in branches:
                found |= branch.names()
        return found

    def rule_for(self, name: str) -> list[Pattern | Leaf]:
        """What it tests of the top-level field ``name``, in any ``$or`` branch too."""
        rules = [rule for field_name, rule in self.fields if field_name == name]
        for branches in self.alternatives:
            for branch in branches:
                rules.extend(branch.rule_for(name))
        return rules


def _pattern(spec: Any) -> Pattern:
    if not isinstance(spec, dict) or not spec:
        raise PatternError("a pattern is a JSON object that is not empty")
    fields: list[tuple[str, Pattern | Leaf]] = []
    alternatives: list[tuple[Pattern, ...]] = []
    for name, value in spec.items():
        head, dot, rest = name.partition(".")
        if name == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise PatternError("$or takes a list of at least two patterns")
            alternatives.append(tuple(_pattern(branch) for branch in value))
        elif dot:  # "a.b" is the path a, then b
            fields.append((head, _pattern({rest: value})))
        elif isinstance(value, dict):
            fields.append((name, _pattern(value)))
        elif isinstance(value, list) and value:
            fields.append((name, Leaf(tuple(_matcher(item) for item in value))))
        elif isinstance(value, list):
            # REAL: Lambda refuses an empty list (LocalStack's AWS-validated snapshot).
            raise PatternError(f"field {name!r} holds an empty list")
        else:
            raise PatternError(f"field {name!r} holds neither a pattern nor a list")
    return Pattern(tuple(fields), tuple(alternatives))


def parse_pattern(text: str) -> Pattern:
    """The pattern ``text`` (a filter's ``Pattern`` string) holds; :class:`PatternError`
    when Lambda would refuse it."""
    try:
        spec = strict_json(text)
    except ValueError:
        raise PatternError("the pattern is not JSON") from None
    return _pattern(spec)
