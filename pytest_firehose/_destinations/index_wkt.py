"""A ``geo_shape`` field's string value: WKT, read as OpenSearch's ``WellKnownText``
reads it (its tokenizer and grammar), into an ``index_geometry`` shape.

Facts (OpenSearch 2.19's ``WellKnownText.fromWKT`` and Java's ``StreamTokenizer`` as it
sets it up):

- a word is a run of letters, digits, ``-``, ``+``, ``.`` and characters from U+00A0 up;
  blanks are space, tab, CR and LF; ``#`` starts a comment to the end of the line; any
  other character is a token of its own; the type's word is read in any case:
  ``POINT``, ``MULTIPOINT``, ``LINESTRING``, ``MULTILINESTRING``, ``POLYGON``,
  ``MULTIPOLYGON``, ``GEOMETRYCOLLECTION``, ``BBOX`` (min lon, max lon, max lat, min lat,
  comma separated) and ``CIRCLE`` (lon lat radius); ``ENVELOPE`` is no WKT type here
  (``Unknown geometry type: envelope``); each may be ``EMPTY``; what follows the geometry
  is not read;
- a number is a word ``Double.parseDouble`` reads, or ``NaN`` in any case (``invalid
  number found: x``, ``expected number but found: ')'``), a third one a z; every
  coordinate of a list has a z or none (``coordinate dimensions do not match: 5``);
- the grammar's errors: ``expected word but found: END-OF-STREAM``, ``expected EMPTY or (
  but found: 1``, ``expected ) but found: 3``, ``expected , or ) but found: x``; a
  polygon's rings are closed by ``coerce`` (the first point added at the end), its holes
  built before its shell; collections nest at most 1000 deep (``a geometry collection
  with a depth greater than 1000 is not supported``).

Each error is the ``caused_by`` of the field's failure: ``parse_exception`` (Java's
``ParseException``) or ``illegal_argument_exception``.
"""

from __future__ import annotations

import math

from pytest_firehose._destinations import index_geometry as geo
from pytest_firehose._destinations.index_geometry import Shape, java_equals, unparsed
from pytest_firehose._destinations.index_values import parse_java_double

_BLANKS = " \t\r\n"
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+.")
_EOF = None
#: ``WellKnownText.MAX_DEPTH_OF_GEO_COLLECTION``.
_MAX_DEPTH = 1000


def _is_word(char: str) -> bool:
    return char in _WORD or ord(char) >= 160


class _Tokens:
    """``StreamTokenizer`` as ``WellKnownText`` sets it up: words and single characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        #: The last token read: a word, a character, or None at the end.
        self.word: str | None = None
        self.is_word = False
        self.pushed = False

    def next(self) -> None:
        if self.pushed:
            self.pushed = False
            return
        text, at = self.text, self.at
        while at < len(text):
            char = text[at]
            if char in _BLANKS:
                at += 1
            elif char == "#":
                while at < len(text) and text[at] not in "\r\n":
                    at += 1
            else:
                break
        if at >= len(text):
            self.at, self.word, self.is_word = at, _EOF, False
            return
        if _is_word(text[at]):
            end = at
            while end < len(text) and _is_word(text[end]):
                end += 1
            self.at, self.word, self.is_word = end, text[at:end], True
            return
        self.at, self.word, self.is_word = at + 1, text[at], False

    def shown(self) -> str:
        """``tokenString``: the last token as the messages quote it."""
        if self.word is None:
            return "END-OF-STREAM"
        return self.word if self.is_word else f"'{self.word}'"

    def next_word(self) -> str:
        self.next()
        if self.is_word:
            assert self.word is not None
            return "EMPTY" if self.word.upper() == "EMPTY" else self.word
        if self.word in ("(", ")", ","):
            assert self.word is not None
            return self.word
        raise unparsed(f"expected word but found: {self.shown()}")

    def number(self) -> float:
        self.next()
        if self.is_word:
            assert self.word is not None
            if self.word.lower() == "nan":
                return math.nan
            value = parse_java_double(self.word)
            if value is None:
                raise unparsed(f"invalid number found: {self.word}")
            return value
        raise unparsed(f"expected number but found: {self.shown()}")

    def number_next(self) -> bool:
        self.next()
        self.pushed = True
        return self.is_word

    def _expect(self, wanted: tuple[str, ...], said: str) -> str:
        token = self.next_word()
        if token in wanted:
            return token
        raise unparsed(f"expected {said} but found: {self.shown()}")

    def empty_or_open(self) -> bool:
        """True for ``EMPTY``, False for ``(``."""
        return self._expect(("EMPTY", "("), "EMPTY or (") == "EMPTY"

    def closer(self) -> None:
        self._expect((")",), ")")

    def opener(self) -> None:
        self._expect(("(",), "(")

    def comma(self) -> None:
        self._expect((",",), ",")

    def more(self) -> bool:
        """True after ``,``, False after ``)``."""
        return self._expect((",", ")"), ", or )") == ","


def read_wkt(text: str, coerce: bool) -> Shape:
    """The shape the WKT ``text`` describes; GeoError for one OpenSearch cannot read."""
    tokens = _Tokens(text)
    kind = tokens.next_word().lower()
    if kind == "geometrycollection":
        return _collection(tokens, coerce)
    return _simple(tokens, kind, coerce)


def _simple(tokens: _Tokens, kind: str, coerce: bool) -> Shape:
    readers = {
        "point": _point,
        "multipoint": _multipoint,
        "linestring": _line,
        "multilinestring": _multiline,
        "polygon": _polygon,
        "multipolygon": _multipolygon,
        "bbox": _bbox,
        "circle": _circle,
    }
    reader = readers.get(kind)
    if reader is None:
        raise geo.illegal(f"Unknown geometry type: {kind}")
    return reader(tokens, coerce)


def _collection(tokens: _Tokens, coerce: bool) -> Shape:
    """``parseGeometryCollection``: nested collections kept on a stack, as OpenSearch's
    reader keeps them."""
    if tokens.empty_or_open():
        return geo.empty("geometrycollection")
    top: list[Shape] = []
    stack: list[list[Shape]] = [top]
    first = True
    current: list[Shape] | None = None
    while stack:
        previous = stack.pop()
        if current is not None:
            previous.append(geo.collection("geometrycollection", current))
        current = previous
        if first:
            first = False
        elif not tokens.more():
            continue
        while True:
            kind = tokens.next_word().lower()
            if kind == "geometrycollection":
                if not tokens.empty_or_open():
                    if len(stack) >= _MAX_DEPTH - 2:
                        raise geo.illegal(
                            f"a geometry collection with a depth greater than {_MAX_DEPTH} is "
                            "not supported"
                        )
                    stack.append(current)
                    current = []
                    continue
                current.append(geo.empty("geometrycollection"))
            else:
                current.append(_simple(tokens, kind, coerce))
            if not tokens.more():
                break
    return geo.collection("geometrycollection", top)


def _point(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("point")
    x = tokens.number()
    y = tokens.number()
    z = tokens.number() if tokens.number_next() else math.nan
    tokens.closer()
    return geo.point(x, y, z)


def _coordinates(tokens: _Tokens) -> tuple[list[float], list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    zs: list[float] = []
    while True:
        xs.append(tokens.number())
        ys.append(tokens.number())
        if tokens.number_next():
            zs.append(tokens.number())
        if zs and len(zs) != len(xs):
            raise unparsed(f"coordinate dimensions do not match: {tokens.shown()}")
        if not tokens.more():
            return xs, ys, zs


def _multipoint(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("multipoint")
    xs, ys, zs = _coordinates(tokens)
    points = [
        geo.point(x, y, zs[i] if zs else math.nan)
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    return geo.collection("multipoint", points)


def _line(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("linestring")
    xs, ys, zs = _coordinates(tokens)
    return geo.line(xs, ys, zs or None)


def _multiline(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("multilinestring")
    lines = [_line(tokens, coerce)]
    while tokens.more():
        lines.append(_line(tokens, coerce))
    return geo.collection("multilinestring", lines)


def _ring(tokens: _Tokens, coerce: bool, *, opened: bool) -> tuple[Shape, int]:
    if not opened:
        tokens.opener()
    xs, ys, zs = _coordinates(tokens)
    return _closed(xs, ys, zs, coerce)


def _closed(xs: list[float], ys: list[float], zs: list[float], coerce: bool) -> tuple[Shape, int]:
    """``closeLinearRingIfCoerced``, then the ring (and its number of points)."""
    last = len(xs) - 1
    if coerce and not (
        java_equals(xs[0], xs[last])
        and java_equals(ys[0], ys[last])
        and (not zs or java_equals(zs[0], zs[last]))
    ):
        xs.append(xs[0])
        ys.append(ys[0])
        if zs:
            zs.append(zs[0])
    return geo.ring(xs, ys, zs or None), len(xs)


def _polygon(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("polygon")
    tokens.opener()
    xs, ys, zs = _coordinates(tokens)
    holes: list[tuple[Shape, int]] = []
    while tokens.more():
        holes.append(_ring(tokens, coerce, opened=False))
    shell, length = _closed(xs, ys, zs, coerce)
    return geo.polygon(shell, [hole for hole, _ in holes], [length, *(n for _, n in holes)])


def _multipolygon(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("multipolygon")
    polygons = [_polygon(tokens, coerce)]
    while tokens.more():
        polygons.append(_polygon(tokens, coerce))
    return geo.collection("multipolygon", polygons)


def _bbox(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.empty("envelope")
    min_x = tokens.number()
    tokens.comma()
    max_x = tokens.number()
    tokens.comma()
    max_y = tokens.number()
    tokens.comma()
    min_y = tokens.number()
    tokens.closer()
    return geo.rectangle(min_x, max_x, max_y, min_y)


def _circle(tokens: _Tokens, coerce: bool) -> Shape:
    if tokens.empty_or_open():
        return geo.Shape("circle")
    x = tokens.number()
    y = tokens.number()
    radius = tokens.number()
    z = tokens.number() if tokens.number_next() else math.nan
    shape = geo.circle(x, y, z, radius)
    tokens.closer()
    return shape
