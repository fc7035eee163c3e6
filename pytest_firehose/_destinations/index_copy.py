"""``copy_to``: the fields a field's values are also indexed into. Read and checked where a
test gives a mapping (``index_explicit``), and followed as a document is read
(``index_documents``).

Facts (OpenSearch's source: ``FieldMapper.validate`` and ``CopyTo``, ``DocumentParser``'s
``parseCopyFields`` and ``parseCopy``): ``copy_to`` names fields by their full paths (a name
or a list, shown as a list); a mapping is refused that copies from a sub-field, to a
sub-field, to an object, or out of the nested object the field is in; a value, once its
field took it, is read into each target the mapping has (the target's check applies, with
the document's parser: a ``completion``'s error names the source's key), else
into a field dynamic mapping adds from the top (through dotted objects; ``strict`` there
fails the document, ``false`` skips the copy); a copy is not copied on. A ``null`` is
copied into the targets the mapping has, each reading it as its own ``null``; into one it
lacks it adds nothing (OpenSearch's dynamic mapping fails it with an internal error, not
modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.index_mapping import Leaf, Node, Obj

if TYPE_CHECKING:
    from pytest_firehose._destinations.index_documents import _Document


class CopyToError(ValueError):
    """A ``copy_to`` OpenSearch (or the fake) does not take: the message says why."""


def read_copy_to(where: str, definition: dict[str, Any]) -> tuple[str, ...]:
    """The fields ``copy_to`` names (a name or a list of them), shown as a list."""
    given = definition["copy_to"]
    targets = [given] if isinstance(given, str) else given
    if not isinstance(targets, list) or not all(
        isinstance(target, str) and target for target in targets
    ):
        raise CopyToError(
            f'{where}: copy_to names a field by its full path, or a list of them, such as "all" '
            f'or ["all", "buyer.search"], not {given!r}'
        )
    definition["copy_to"] = list(targets)
    return tuple(targets)


def _nested_scope(root: Obj, path: tuple[str, ...]) -> str | None:
    """The path of the innermost nested object above ``path``, None at the top."""
    scope = None
    node: Node | None = root
    for depth, part in enumerate(path[:-1], 1):
        node = node.properties.get(part) if isinstance(node, Obj) else None
        if not isinstance(node, Obj):
            break
        if node.type == "nested":
            scope = ".".join(path[:depth])
    return scope


def check_copy_to(root: Obj, nodes: list[tuple[tuple[str, ...], Node]]) -> None:
    """Refuse, in OpenSearch's words, a ``copy_to`` to a sub-field, an object, or out of
    its nested object's scope."""
    for path, node in nodes:
        if not isinstance(node, Leaf) or not node.copy_to:
            continue
        source = _nested_scope(root, path)
        for target in node.copy_to:
            parts = tuple(target.split("."))
            found: Node | None = root
            for depth, part in enumerate(parts):
                if isinstance(found, Leaf):
                    if depth == len(parts) - 1 and part in found.fields:
                        raise CopyToError(
                            "OpenSearch refuses this mapping: [copy_to] may not be used to copy "
                            f"to a multi-field: [{target}]"
                        )
                    found = None
                    break
                found = found.properties.get(part) if isinstance(found, Obj) else None
            if isinstance(found, Obj):
                raise CopyToError(
                    f"OpenSearch refuses this mapping: Cannot copy to field [{target}] since it "
                    "is mapped as an object"
                )
            scope = _nested_scope(root, parts)
            if scope is not None and not (
                source == scope or (source or "").startswith(scope + ".")
            ):
                raise CopyToError(
                    "OpenSearch refuses this mapping: Illegal combination of [copy_to] and "
                    "[nested] mappings: [copy_to] may only copy data to the current nested "
                    "document or any of its parents, however one [copy_to] directive is trying "
                    f"to copy data from nested object [{source or 'null'}] to [{scope}]"
                )


def copy_values(document: _Document, targets: tuple[str, ...], value: Any, name: str) -> None:
    """Index ``value`` into each field ``targets`` names by its full path, as OpenSearch's
    ``copy_to`` does: into the field the mapping has, else one dynamic mapping adds
    (where the object it goes into is dynamic). ``name`` is the name the document gives
    the value (``"null"`` in an array), which a target that names the parser's current
    field in its error (a ``completion``) names: ``parseCopy`` hands it the document's
    own parser."""
    from pytest_firehose._destinations.index_names import split_path

    root = document.mapping.root
    document.copying = True
    try:
        for target in targets:
            parts = split_path(target)
            found: Node | None = root
            for part in parts:
                found = found.properties.get(part) if isinstance(found, Obj) else None
            if found is not None:
                if value is not None or isinstance(found, Leaf):
                    document.mapped(found, parts, "true", name, value)
                continue
            if value is None:  # a null adds no field
                continue
            parent, parent_path, dynamic = document.dynamic_parent(
                root, (), root.dynamic or "true", parts
            )
            if not parent.enabled or dynamic == "false":
                continue
            if dynamic == "strict":
                raise document.strict(parent_path, parts[-1])
            document.new_leaf((*parent_path, parts[-1]), value, dynamic)
    finally:
        document.copying = False
