"""An OpenSearch ``completion`` field (the completion suggester's): its parameters, as
OpenSearch reads and shows them, and which of a document's values it takes.

Facts (OpenSearch's source: ``CompletionFieldMapper`` (its ``Builder``, ``TypeParser``,
``parse``), ``ParametrizedFieldMapper.Builder.parse``, ``DocumentParser``
(``wrapInMapperParsingException``), and Jackson's ``getCurrentName``):

- parameters: ``analyzer`` (``simple`` unless given), ``search_analyzer`` (the
  ``analyzer`` unless given: shown only where it differs), ``preserve_separators`` and
  ``preserve_position_increments`` (strict booleans, ``true`` unless given),
  ``max_input_length`` (50 unless given, above 0: ``[max_input_length] must be > 0 but was
  [0]``; ``max_input_len`` its old name), ``contexts``, ``meta``, ``copy_to``, ``fields``;
  the first four and ``max_input_length`` are always shown; any other is refused
  (``unknown parameter [x] on mapper [f] of type [completion]``), so is ``null`` for one
  (``[x] on mapper [f] of type [completion] must not have a [null] value``);
- the field reads a whole value, an array too (``parsesArrayValue``): a string, an object
  ``{input, weight, contexts}``, or an array of those; ``null`` is no value, but ``null`` in
  an array fails. A value it cannot read fails the document with ``mapper_parsing_exception``
  ``failed to parse`` (the field's own exceptions are not wrapped with the field's name),
  caused by ``parsing_exception`` ``failed to parse [f]: expected text or object, but got
  VALUE_NUMBER`` (``f`` the name the document gives; ``null`` for a value in an array, as
  Jackson names none there), or an ``illegal_argument_exception``: ``unknown field name
  [x], must be one of [input, weight, contexts]``, ``input must be a string or array, but
  was [VALUE_NUMBER]``, ``input array must have string values, but was [VALUE_NULL]``,
  ``weight must be an integer, but was [1.5]`` (a fraction, a whole number past a long, a
  string ``Long.parseLong`` does not read), ``weight must be a number or string, but was
  [VALUE_BOOLEAN]``, ``weight must be in the interval [0..2147483647], but was [-1]``,
  ``contexts field is not supported for field: [f]`` (a mapping without ``contexts``);
- as a sub-field (in another field's ``fields``) it is given the parent's value as text,
  and takes any.

Chosen: ``contexts`` (category and geo contexts), ``copy_to`` and ``fields`` on a
completion field are not modelled, and refused naming them; ``max_input_length`` is read as
a JSON whole number or a string ``Integer.parseInt`` reads (a fraction is refused, as
OpenSearch's versions read it differently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_special import (
    REFUSES,
    check_analyzers,
    check_parameter,
    dropped,
    java_boolean,
    java_text,
    json_token,
)
from pytest_firehose._destinations.index_values import LONG_TEXT, OK, Check, java_double

#: The parameters OpenSearch's completion mapper takes (``getParameters``, with ``copy_to``
#: and ``fields``, which every field mapper takes, and ``max_input_len``, an old name).
_TAKEN = (
    "analyzer",
    "search_analyzer",
    "preserve_separators",
    "preserve_position_increments",
    "max_input_length",
    "max_input_len",
    "contexts",
    "meta",
    "copy_to",
    "fields",
)
_NOT_MODELLED = ("contexts", "copy_to", "fields")
_MOST_INT = 2**31 - 1
_LONG = range(-(2**63), 2**63)
_INT = range(-(2**31), 2**31)
#: ``ALLOWED_CONTENT_FIELD_NAMES``, a ``HashSet``, as its ``toString`` lists it.
_KEYS = ("input", "weight", "contexts")
#: Where a ``parsing_exception``'s reason names the field as the document gives it (the
#: check is not told that name: ``index_documents`` puts it in).
DOCUMENT_KEY = "\x00key\x00"


def completion_field(name: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The ``completion`` field ``name`` (its full path) as ``definition`` (without its
    type) defines it; ValueError with the reason for a definition OpenSearch refuses, or
    one the fake does not model."""
    simple = name.rsplit(".", 1)[-1]
    shown: dict[str, Any] = {
        "analyzer": "simple",
        "preserve_separators": True,
        "preserve_position_increments": True,
        "max_input_length": 50,
    }
    for key, value in definition.items():
        if dropped(key, _TAKEN):
            continue
        check_parameter(simple, "completion", key, value, _TAKEN)
        if key in _NOT_MODELLED:
            raise ValueError(
                f"field [{name}]: {key} on a completion field is not modelled (modelled: "
                "analyzer, search_analyzer, preserve_separators, "
                "preserve_position_increments, max_input_length, meta)"
            )
        if key in ("preserve_separators", "preserve_position_increments"):
            try:
                shown[key] = java_boolean(value)
            except ValueError as error:
                raise ValueError(f"{REFUSES}{error}") from None
        elif key in ("max_input_length", "max_input_len"):
            shown["max_input_length"] = int_parameter(name, "max_input_length", value)
        elif key == "meta":
            if value is not None:
                shown["meta"] = value
        else:
            shown[key] = value
    check_analyzers(name, shown)
    if shown.get("search_analyzer") == shown["analyzer"]:
        del shown["search_analyzer"]
    if shown["max_input_length"] <= 0:
        raise ValueError(
            f"{REFUSES}[max_input_length] must be > 0 but was [{shown['max_input_length']}]"
        )
    ordered = {key: shown[key] for key in (*_TAKEN[:5], "meta") if key in shown}
    return Leaf("completion", ordered, _as_text if multi else completion_check(name))


def int_parameter(name: str, key: str, value: Any) -> int:
    """The parameter ``key`` of the field ``name`` as an ``int`` parameter reads it: a JSON
    whole number, or a string ``Integer.parseInt`` reads (a fraction is refused: see the
    module)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in _INT:
        return value
    if isinstance(value, str):
        if LONG_TEXT.fullmatch(value) and int(value) in _INT:
            return int(value)
        raise ValueError(f'{REFUSES}For input string: "{value}"')
    raise ValueError(f"field [{name}]: {key} is a whole number, not {java_text(value)}")


def _as_text(value: Any) -> Any:
    """A completion sub-field's check: it takes its parent's value as text."""
    return OK


class _Failed(Exception):
    """A value the field cannot read: the ``caused_by`` OpenSearch writes."""

    def __init__(self, cause: tuple[str, str]) -> None:
        super().__init__(cause)
        self.cause = cause


def _illegal(reason: str) -> _Failed:
    return _Failed(("illegal_argument_exception", reason))


def completion_check(name: str) -> Check:
    """A ``completion`` field's check (``name`` its full path): a whole value, as
    ``CompletionFieldMapper.parse`` reads it. What it answers is the whole error's
    ``caused_by``: the document's error is ``failed to parse``, without the field's name
    (``index_documents`` writes it so for this type). The name a ``parsing_exception``
    gives is the one the document gives, which the check is not told:
    :data:`DOCUMENT_KEY` stands for it."""

    def one(value: Any, key: str) -> None:
        if isinstance(value, str):
            return
        if isinstance(value, dict):
            _object(name, value)
            return
        raise _Failed(
            (
                "parsing_exception",
                f"failed to parse [{key}]: expected text or object, but got {json_token(value)}",
            )
        )

    def check(value: Any) -> Any:
        try:
            if isinstance(value, list):
                for item in value:
                    # Jackson names no field for a value in an array.
                    one(item, "null")
            elif value is not None:
                one(value, DOCUMENT_KEY)
        except _Failed as failed:
            return failed.cause
        return OK

    return check


def _object(name: str, value: dict[str, Any]) -> None:
    """``{input, weight, contexts}``, read in its order (the first failure is the one)."""
    for key, given in value.items():
        if key not in _KEYS:
            raise _illegal(f"unknown field name [{key}], must be one of [{', '.join(_KEYS)}]")
        if key == "input":
            if isinstance(given, list):
                for item in given:
                    if not isinstance(item, str):
                        raise _illegal(
                            f"input array must have string values, but was [{json_token(item)}]"
                        )
            elif not isinstance(given, str):
                raise _illegal(f"input must be a string or array, but was [{json_token(given)}]")
        elif key == "weight":
            _weight(given)
        else:
            raise _illegal(f"contexts field is not supported for field: [{name}]")


def _weight(given: Any) -> None:
    """``weight``: a whole number (a long) or a string ``Long.parseLong`` reads, within
    0 to ``Integer.MAX_VALUE``."""
    if isinstance(given, str):
        if not LONG_TEXT.fullmatch(given) or int(given) not in _LONG:
            raise _illegal(f"weight must be an integer, but was [{given}]")
        number = int(given)
    elif isinstance(given, float):
        raise _illegal(f"weight must be an integer, but was [{java_double(given)}]")
    elif isinstance(given, int) and not isinstance(given, bool):
        if given not in _LONG:  # Jackson's BigInteger
            raise _illegal(f"weight must be an integer, but was [{given}]")
        number = given
    else:
        raise _illegal(f"weight must be a number or string, but was [{json_token(given)}]")
    if not 0 <= number <= _MOST_INT:
        raise _illegal(f"weight must be in the interval [0..{_MOST_INT}], but was [{number}]")
