"""The fast path for bodies an SDK wrote: ``conforms`` makes one read-only pass over a
request's parsed JSON and says whether it is already typed and valid, so that neither
decoding nor message-building validation (``validation.py``) has to run. Anything it is
unsure of (a timestamp to convert, a member the model lacks) goes the full way."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from botocore.model import Shape

from pytest_firehose._java_regex import fullmatcher
from pytest_firehose._payload import payload_len
from pytest_firehose._wire.blobs import is_canonical
from pytest_firehose._wire.shapes import INTEGER_BOUNDS, operation_model


class _Nonconforming(Exception):
    """Raised by a conformer at the first thing the full path must look at."""


Conformer = Callable[[Any], None]


def _bounds(shape: Shape, measure: Callable[[Any], Any]) -> Conformer:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any) -> None:
        size = measure(value)
        if (low is not None and size < low) or (high is not None and size > high):
            raise _Nonconforming

    return check


def _typed(kinds: tuple[type, ...], then: Conformer | None = None) -> Conformer:
    def check(value: Any) -> None:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise _Nonconforming
        if then is not None:
            then(value)

    return check


def _finite(value: Any) -> None:
    if not math.isfinite(value):
        raise _Nonconforming


def _all_checks(*checks: Conformer) -> Conformer:
    def check(value: Any) -> None:
        for each in checks:
            each(value)

    return check


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _conformer(shape: Shape, serialized: bool = False) -> Conformer:
    """A read-only check of a request's JSON: raises ``_Nonconforming`` at anything that needs
    converting (timestamps) or that ``decode_input``/``validate_input`` would refuse."""
    kind = shape.type_name
    if kind == "structure":
        required = tuple(shape.required_members)
        members = {name: _conformer(member, serialized) for name, member in shape.members.items()}

        def check_structure(value: Any) -> None:
            if type(value) is not dict:
                raise _Nonconforming
            for name in required:
                if name not in value:
                    raise _Nonconforming  # a null one is refused by its own check, below
            for name, child in value.items():
                check = members.get(name)
                if check is None:
                    # A member the model does not have: the full path reads the request,
                    # and the engine reports the member (``surface.unreviewed``).
                    raise _Nonconforming
                check(child)  # refuses None, as every conformer does

        if len(members) == 1 and required == tuple(members):
            # A wrapper around one required member, such as a batch's Record {Data}: one
            # lookup per item instead of two loops.
            ((only, check_only),) = members.items()

            def check_wrapper(value: Any) -> None:
                if type(value) is not dict or len(value) != 1:
                    check_structure(value)
                    return
                child = value.get(only)
                if child is None:
                    raise _Nonconforming
                check_only(child)

            return check_wrapper

        return check_structure
    if kind == "list":
        own = _bounds(shape, len)
        items = _column(shape.member, serialized)

        def check_list(value: Any) -> None:
            if type(value) is not list:
                raise _Nonconforming
            own(value)
            items(value)

        return check_list
    if kind == "map":
        size = _bounds(shape, len)
        key = _conformer(shape.key, serialized)
        entry = _conformer(shape.value, serialized)

        def check_map(value: Any) -> None:
            if type(value) is not dict:
                raise _Nonconforming
            size(value)
            for name, child in value.items():
                if child is None:
                    raise _Nonconforming
                key(name)
                entry(child)

        return check_map
    if kind == "blob":
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")

        def check_blob(value: Any) -> None:
            # A hook may have rewritten botocore's body: its base64 is checked, unless the
            # body is the serializer's own, whose base64 botocore encoded.
            if type(value) is not str or not (serialized or is_canonical(value)):
                raise _Nonconforming
            # Base64 text's length gives the decoded length give or take 2 bytes of
            # padding; count the padding only near a bound.
            upper = len(value) // 4 * 3
            if (high is not None and upper > high) or upper - 2 < low:
                size = payload_len(value)
                if (high is not None and size > high) or size < low:
                    raise _Nonconforming

        return check_blob
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum is not None:

            def check_enum(value: Any) -> None:
                if value not in enum:
                    raise _Nonconforming

            return check_enum
        pattern_text = shape.metadata.get("pattern")
        length = _bounds(shape, len)
        if pattern_text is None:
            low, high = shape.metadata.get("min", 0), shape.metadata.get("max")

            def check_text(value: Any) -> None:
                if not isinstance(value, str):
                    raise _Nonconforming
                size = len(value)
                if size < low or (high is not None and size > high):
                    raise _Nonconforming

            return check_text
        fullmatch = fullmatcher(pattern_text)

        def check_string(value: Any) -> None:
            if not isinstance(value, str) or not fullmatch(value):
                raise _Nonconforming
            length(value)

        return check_string
    if kind in ("integer", "long"):
        # Past what the front end's Integer or Long holds, the full path clamps it first.
        low, high = INTEGER_BOUNDS[kind]
        model_bounds = _bounds(shape, _identity)

        def check_integer(value: Any) -> None:
            if type(value) is not int or not low <= value <= high:
                raise _Nonconforming
            model_bounds(value)

        return check_integer
    if kind in ("double", "float"):
        # Only a value botocore wrote but no reader takes can be NaN or infinite here.
        return _typed((int, float), _all_checks(_finite, _bounds(shape, _identity)))
    if kind == "boolean":
        return _typed((bool,))

    def needs_converting(value: Any) -> None:  # timestamps, and any type not listed above
        raise _Nonconforming

    return needs_converting


@functools.cache
def _column(shape: Shape, serialized: bool = False) -> Conformer:
    """The check of a list of values of ``shape`` (a batch's records, or one member of each
    record): what ``_conformer`` checks of each of them, without a Python call per value
    where a look at all of them together settles it (every value of the expected type, the
    shortest and the longest within the bounds); any doubt is settled value by value."""
    one = _conformer(shape, serialized)

    def each(values: list[Any]) -> None:
        # Every conformer refuses None (no type it takes is None's).
        for value in values:
            one(value)

    kind = shape.type_name
    if kind == "structure":
        return _structures(shape, serialized, each)
    if kind == "blob":
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")

        def blobs(values: list[Any]) -> None:
            # As check_blob: base64 text's length bounds what it decodes to, give or take
            # 2 bytes of padding (text too short to tell is checked value by value).
            if values and set(map(type, values)) == {str}:
                lengths = set(map(len, values))
                if (
                    (high is None or max(lengths) // 4 * 3 <= high)
                    and min(lengths) // 4 * 3 - 2 >= low
                    and (serialized or all(map(is_canonical, values)))
                ):
                    return
            each(values)

        return blobs
    if kind == "string" and "enum" not in shape.metadata:
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
        pattern_text = shape.metadata.get("pattern")
        match = None if pattern_text is None else fullmatcher(pattern_text)

        def texts(values: list[Any]) -> None:
            if values and set(map(type, values)) == {str}:
                lengths = set(map(len, values))
                if (
                    min(lengths) >= low
                    and (high is None or max(lengths) <= high)
                    and (match is None or all(map(match, values)))
                ):
                    return
            each(values)

        return texts
    return each


def _structures(shape: Shape, serialized: bool, each: Conformer) -> Conformer:
    """``_column`` of a structure: values that all hold the same members are checked a
    member at a time, each as a column."""
    names = frozenset(shape.members)
    required = frozenset(shape.required_members)
    takes = {name: itemgetter(name) for name in names}
    columns = {name: _column(member, serialized) for name, member in shape.members.items()}

    def structures(values: list[Any]) -> None:
        if values and set(map(type, values)) == {dict}:
            first = values[0].keys()
            if len(set(map(len, values))) == 1 and required <= first <= names:
                # As many members each as the first has: when each has the first's (none
                # is missing from a column), all hold the same, as a batch's records do.
                try:
                    taken = [(name, list(map(takes[name], values))) for name in first]
                except KeyError:
                    pass
                else:
                    for name, column in taken:
                        columns[name](column)
                    return
        each(values)  # not all alike: value by value

    return structures


def conforms(service: str, operation: str, params: Any, *, serialized: bool = False) -> bool:
    """Whether JSON ``params`` are already the typed, valid parameters: the fast path for
    bodies an SDK wrote. ``False`` means: decode and validate as usual.
    ``serialized``: the body is what botocore's serializer wrote, unchanged, so its blobs
    are base64 botocore encoded and need no check."""
    check = _CONFORMERS.get((service, operation, serialized))
    if check is None:
        shape = operation_model(service, operation).input_shape
        if shape is None:
            return False
        check = _CONFORMERS[service, operation, serialized] = _conformer(shape, serialized)
    try:
        check(params)
    except _Nonconforming:
        return False
    return True


#: Each operation's conformer, by service, operation and whether the body is botocore's
#: own: one look-up a request (the operations are bounded, as ``_conformer``'s cache is).
_CONFORMERS: dict[tuple[str, str, bool], Conformer] = {}
