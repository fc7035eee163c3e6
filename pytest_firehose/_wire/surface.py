"""The request members pytest-firehose has reviewed, and which members of a request are not
among them.

The fake validates requests against the installed botocore's API models, so a member AWS
added after this release (sent by a newer botocore or SDK) would pass and be ignored. The
reviewed surface (``surface.txt``, beside this module) lists every input member path of
every operation the fake serves, each one modelled, refused, reported or harmless, as the
fake's authors checked them; ``unreviewed`` names what a request holds beyond it, which
the engine reports as a setting the fake does not model.

The file is a tree, one member a line, indented one space a level under its parent (the
service, then the operation); ``[]`` after a name: a list whose items are the structure
below it, ``{}``: a map whose values are. Paths are written the same way:
``CreateDeliveryStream.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors[].Type``.
``python -m pytest_firehose surface`` lists what the installed botocore has beyond it;
``--write`` regenerates it from that botocore (the diff is the review).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from typing import Any, NamedTuple

from botocore.model import Shape

from pytest_firehose._wire.shapes import operation_model

#: A member tree: member name (with its ``[]``/``{}`` wrappings) -> the members below it.
Tree = dict[str, "Tree"]

SURFACE_FILE = "surface.txt"
#: The line of the file that names the botocore it was generated from.
_GENERATED = "# generated from botocore "


class Node(NamedTuple):
    """One structure of the surface: its member names, and those members that hold
    structures, as (name, wrappings, the structure's node)."""

    names: frozenset[str]
    nested: tuple[tuple[str, str, Node], ...]


_EMPTY = Node(frozenset(), ())


def _split(key: str) -> tuple[str, str]:
    """A tree key's member name and its wrappings (``Processors[]`` -> ``Processors``, ``[]``)."""
    name = key.rstrip("[]{}")
    return name, key[len(name) :]


# --------------------------------------------------------------------------- the file


def parse(text: str) -> Tree:
    """The tree a surface file holds (comments and blank lines skipped)."""
    root: Tree = {}
    stack: list[Tree] = [root]
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        depth = len(line) - len(line.lstrip(" "))
        if depth >= len(stack):
            raise ValueError(f"{SURFACE_FILE}: {line.strip()!r} is indented past its parent")
        del stack[depth + 1 :]
        child: Tree = {}
        stack[depth][line.strip()] = child
        stack.append(child)
    return root


def render(tree: Tree, botocore_version: str) -> str:
    """The file's text for ``tree``: members in name order, so that a diff shows only what
    changed."""
    lines = [
        "# The request members pytest-firehose has reviewed: each is modelled, refused,",
        "# reported (UnmodelledSettingWarning) or changes nothing a test can see. A member a",
        "# request holds beyond these is reported. Regenerate with",
        "# `python -m pytest_firehose surface --write` and review the diff.",
        f"{_GENERATED}{botocore_version}",
    ]

    def add(node: Tree, depth: int) -> None:
        for key in sorted(node):
            lines.append(" " * depth + key)
            add(node[key], depth + 1)

    add(tree, 0)
    return "\n".join(lines) + "\n"


def _text() -> str:
    return resources.files("pytest_firehose._wire").joinpath(SURFACE_FILE).read_text()


@functools.cache
def surface() -> Tree:
    """The reviewed surface: service -> operation -> members."""
    return parse(_text())


def generated_from() -> str:
    """The botocore version the surface file was generated from."""
    for line in _text().splitlines():
        if line.startswith(_GENERATED):
            return line[len(_GENERATED) :].strip()
    raise ValueError(f"{SURFACE_FILE} names no botocore version")


# --------------------------------------------------------------------------- the models


def shape_tree(shape: Shape | None, only: Iterable[str] | None = None) -> Tree:
    """The member tree of an input shape (``only``: of those top-level members alone)."""
    if shape is None:
        return {}
    tree = _members(shape, frozenset())
    if only is not None:
        keep = set(only)
        tree = {key: below for key, below in tree.items() if _split(key)[0] in keep}
    return tree


def _members(shape: Shape, seen: frozenset[str]) -> Tree:
    if shape.type_name != "structure" or shape.name in seen:
        return {}
    tree: Tree = {}
    for name, member in shape.members.items():
        wraps = ""
        while member.type_name in ("list", "map"):
            if member.type_name == "list":
                wraps, member = wraps + "[]", member.member
            else:
                wraps, member = wraps + "{}", member.value
        below = _members(member, seen | {shape.name})
        # Wrappings are written for lists and maps of structures (the walk goes into
        # them), not of strings.
        tree[name + wraps if member.type_name == "structure" else name] = below
    return tree


def missing(model: Tree, reviewed: Tree) -> list[str]:
    """The member paths of ``model`` that ``reviewed`` lacks (a missing member's own members
    are not listed again)."""
    found: list[str] = []

    def walk(model: Tree, reviewed: Tree, prefix: str) -> None:
        for key, below in model.items():
            name, wraps = _split(key)
            path = f"{prefix}.{name}" if prefix else name
            if key in reviewed:
                walk(below, reviewed[key], path + wraps)
            else:
                found.append(path)

    walk(model, reviewed, "")
    return found


# --------------------------------------------------------------------------- requests


def _node(tree: Tree) -> Node:
    names = frozenset(_split(key)[0] for key in tree)
    nested = tuple(
        (name, wraps, _node(below))
        for key, below in tree.items()
        for name, wraps in [_split(key)]
        if below or wraps
    )
    return Node(names, nested)


@functools.cache
def operation_node(service: str, operation: str) -> Node:
    """The reviewed members of ``operation``'s input (none, for an operation the surface
    does not list)."""
    tree = surface().get(service, {}).get(operation)
    return _EMPTY if tree is None else _node(tree)


@functools.cache
def fully_reviewed(service: str, operation: str) -> bool:
    """Whether every member the installed model gives ``operation`` is reviewed: then a
    request that conforms to the model holds nothing unreviewed."""
    model = shape_tree(operation_model(service, operation).input_shape)
    return not missing(model, surface().get(service, {}).get(operation, {}))


def unreviewed(service: str, operation: str, params: Any) -> list[str]:
    """The member paths of ``params`` (a request's input) that the surface lacks, in the
    order the request holds them, each once. Only what the request holds is walked, and
    only members that hold structures are descended into."""
    found: dict[str, None] = {}
    _walk(operation_node(service, operation), params, operation, found)
    return list(found)


def _walk(node: Node, value: Any, path: str, found: dict[str, None]) -> None:
    if type(value) is not dict:
        return  # a value of another type is refused by the model's checks
    if not value.keys() <= node.names:
        found.update((f"{path}.{name}", None) for name in value if name not in node.names)
    for name, wraps, child in node.nested:
        inner = value.get(name)
        if inner is not None:
            _inside(child, inner, wraps, f"{path}.{name}", found)


def _inside(node: Node, value: Any, wraps: str, path: str, found: dict[str, None]) -> None:
    if not wraps:
        _walk(node, value, path, found)
        return
    head = wraps[:2]
    if head == "[]" and type(value) is list:
        items: Iterable[Any] = value
    elif head == "{}" and type(value) is dict:
        items = value.values()
    else:
        return
    for item in items:
        _inside(node, item, wraps[2:], path + head, found)


def unreviewed_message(path: str) -> str:
    """What the fake says of a member the surface lacks."""
    return (
        f"{path} is a member this pytest-firehose release has not reviewed (a botocore or "
        "AWS SDK newer than the release sends it, or it is none of the API's): the fake "
        "ignores it; a newer pytest-firehose release may model it"
    )
