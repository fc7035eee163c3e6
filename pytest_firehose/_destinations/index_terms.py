"""Lucene's limits on one indexed term and one doc value: a document whose value would make a
term (or a doc value) longer than 32766 bytes of UTF-8 is refused once it is parsed, as
Lucene's ``IndexWriter`` refuses it.

Facts (Lucene 9.12's ``IndexingChain``, ``BytesRefHash`` and ``SortedSetDocValuesWriter``;
OpenSearch's ``KeywordFieldMapper``, ``WildcardFieldMapper`` and ``FlatObjectFieldMapper``;
recorded bulk answers):

- a ``keyword`` field indexes its value as one term (``KeywordField``, inverted as a token
  stream) and, with ``doc_values`` (the default), as one doc value; a value longer than
  ``ignore_above`` (Java's ``String.length``: UTF-16 units, not bytes) is skipped first;
- a term of more than 32766 UTF-8 bytes fails the document with ``illegal_argument_exception``
  ``Document contains at least one immense term in field="f" (whose UTF8 encoding is longer
  than the max length 32766), all of which were skipped.  Please correct the analyzer to not
  produce such terms.  The prefix of the first immense term is: '[..]...', original message:
  bytes can be at most 32766 in length; got N`` (two spaces after each full stop; the prefix
  the term's first 30 bytes as Java's ``Arrays.toString`` prints a ``byte[]``, signed),
  caused by ``max_bytes_length_exceeded_exception`` ``bytes can be at most 32766 in length;
  got N``;
- a doc value of more than 32766 bytes where the field is not indexed (``index: false``), or
  a ``wildcard`` field's (which indexes 3-grams, and the whole value only as its doc value,
  ``doc_values`` off by default): ``illegal_argument_exception`` ``DocValuesField "f" is too
  large, must be <= 32766``;
- a ``text`` field is inverted through its analyzer (its ``analyzer``, else the index's
  ``default``, else ``standard``, whose tokenizer splits tokens at 255 characters): the
  ``keyword`` analyzer, and a custom one of the ``keyword`` tokenizer, make the whole
  value one term (``index_analysis.whole_value``);
- a ``flat_object`` ``f`` indexes each string it holds, ``V`` at path ``p``, as the term ``V``
  of ``f._value`` and the term ``f.p=V`` of ``f._valueAndPath``, each with a doc value of
  ``f.`` and the term;
- Lucene indexes the document's fields in the order the parser added them (a field, then
  its sub-fields, then its ``copy_to`` targets), so the first such value names the field;
  parsing comes first, so a value the mapping refuses anywhere in the document is the error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_analysis import flat_settings, whole_value
from pytest_firehose._destinations.index_mapping import IndexMapping, Leaf, MappingError

#: ``IndexWriter.MAX_TERM_LENGTH``, and the longest doc value (``BYTE_BLOCK_SIZE - 2``).
MAX_TERM_BYTES = 32766
#: The longest string whose UTF-8 can reach no limit (four bytes a character at most).
_SAFE_LENGTH = MAX_TERM_BYTES // 4
#: The bytes of the term a message quotes.
_PREFIX = 30
#: What Java's UTF-8 encoding writes for a lone surrogate (U+FFFD's three bytes).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class TermRefusal(MappingError):
    """A document Lucene refuses once OpenSearch has parsed it: the fields it adds have
    joined the mapping (``mapping``, None when it adds none), as OpenSearch updates the
    mapping before it indexes the document."""

    def __init__(self, error: MappingError, mapping: IndexMapping | None) -> None:
        super().__init__(error.kind, error.reason, error.cause)
        self.mapping = mapping


def may_refuse(value: Any) -> bool:
    """Whether ``value`` is a string long enough to reach Lucene's limits (the cheap test
    before :func:`refusal`)."""
    return type(value) is str and len(value) > _SAFE_LENGTH


def refusal(leaf: Leaf, full: str, value: Any, settings: Mapping[str, Any]) -> MappingError | None:
    """Lucene's refusal of ``value`` indexed into ``leaf`` (its full path ``full``) in
    an index of ``settings``, or None where it takes it (see the module)."""
    kind = leaf.type
    if kind == "flat_object":
        return _flat_refusal(full, value) if isinstance(value, dict) else None
    if not may_refuse(value):
        return None
    params = leaf.params
    if kind in ("text", "match_only_text"):
        analyzer = params.get("analyzer")
        if (
            _flag(params, "index", True)
            and (analyzer is None or isinstance(analyzer, str))
            and whole_value(analyzer, flat_settings(settings))
        ):
            data = _utf8(value)
            return _term_refusal(full, data) if len(data) > MAX_TERM_BYTES else None
        return None
    if kind not in ("keyword", "wildcard") or _java_length(value) > _ignore_above(params):
        return None
    data = _utf8(value)
    if len(data) <= MAX_TERM_BYTES:
        return None
    if kind == "keyword" and _flag(params, "index", True):
        return _term_refusal(full, data)
    if _flag(params, "doc_values", kind == "keyword"):
        return _doc_value_refusal(full)
    return None


def _flat_refusal(full: str, value: dict[str, Any]) -> MappingError | None:
    """The refusal of the strings a ``flat_object`` holds: each value's ``._value`` term
    and doc value (the field's name, a dot and the term), then each one's
    ``._valueAndPath`` term and doc value."""
    strings = list(_strings(value, full))
    named = len(_utf8(full)) + 1
    for suffix, terms in (
        ("._value", [text for _, text in strings]),
        ("._valueAndPath", [f"{path}={text}" for path, text in strings]),
    ):
        for term in terms:
            if len(term) + named > _SAFE_LENGTH:
                data = _utf8(term)
                if len(data) > MAX_TERM_BYTES:
                    return _term_refusal(full + suffix, data)
                if len(data) + named > MAX_TERM_BYTES:
                    return _doc_value_refusal(full + suffix)
    return None


def _strings(value: Any, path: str) -> Any:
    """Each string in ``value`` (through objects and arrays) with its dotted path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path)
    elif isinstance(value, str):
        yield path, value


def _term_refusal(full: str, data: bytes) -> MappingError:
    prefix = ", ".join(str(byte - 256 if byte > 127 else byte) for byte in data[:_PREFIX])
    original = f"bytes can be at most {MAX_TERM_BYTES} in length; got {len(data)}"
    return MappingError(
        "illegal_argument_exception",
        f'Document contains at least one immense term in field="{full}" (whose UTF8 encoding '
        f"is longer than the max length {MAX_TERM_BYTES}), all of which were skipped.  Please "
        "correct the analyzer to not produce such terms.  The prefix of the first immense term "
        f"is: '[{prefix}]...', original message: {original}",
        ("max_bytes_length_exceeded_exception", f"max_bytes_length_exceeded_exception: {original}"),
    )


def _doc_value_refusal(full: str) -> MappingError:
    return MappingError(
        "illegal_argument_exception",
        f'DocValuesField "{full}" is too large, must be <= {MAX_TERM_BYTES}',
    )


def _utf8(text: str) -> bytes:
    """``text`` as Java's ``UnicodeUtil.UTF16toUTF8`` encodes it (a lone surrogate as
    U+FFFD)."""
    return _LONE_SURROGATE.sub("\ufffd", text).encode()


def _java_length(text: str) -> int:
    """Java's ``String.length``: UTF-16 units (a character past U+FFFF counts two)."""
    return len(text) + sum(1 for char in text if char > "\uffff")


def _ignore_above(params: dict[str, Any]) -> float:
    """A field's ``ignore_above`` (a number, or a string of one, as OpenSearch's
    ``nodeIntegerValue`` reads it), infinite when it has none."""
    given = params.get("ignore_above")
    if isinstance(given, bool) or given is None:
        return float("inf")
    try:
        return int(float(given)) if isinstance(given, str) else int(given)
    except (TypeError, ValueError, OverflowError):
        return float("inf")


def _flag(params: dict[str, Any], name: str, default: bool) -> bool:
    """A boolean parameter as given (``true``, ``false`` or their strings)."""
    given = params.get(name, default)
    return given is True or given == "true" if given is not None else default
