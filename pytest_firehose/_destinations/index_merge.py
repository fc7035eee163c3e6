"""An index created with mappings of its own under a composable index template that matches
its name: the template's mappings and settings merged under the index's, as OpenSearch
merges them when it creates the index.

Facts (OpenSearch's source: ``MetadataCreateIndexService`` ``collectV2Mappings`` puts the
template's mappings first and the request's last, each merged in turn with
``MergeReason.INDEX_TEMPLATE``; ``ObjectMapper.doMerge``, ``ObjectMapper.Nested.merge``,
``RootObjectMapper.doMerge``, ``Mapping.merge``; ``aggregateIndexSettings``):

- a field both define: two objects (``object`` or ``nested``) merge, field by field, the
  later's ``dynamic``, ``enabled``, ``include_in_parent`` and ``include_in_root`` winning
  where it gives them; two value fields: the later's definition replaces the earlier's
  whole (its ``fields``, ``copy_to`` and parameters too);
- an object and a value field of one name are refused (``illegal_argument_exception``
  ``can't merge a non object mapping [P] with an object mapping``), and so are a
  ``nested`` and a plain object (``cannot change object mapping from nested to
  non-nested``, ``... from non-nested to nested``);
- at the root the later's ``dynamic``, ``date_detection``, ``numeric_detection`` and
  ``_source`` win where given; ``dynamic_templates`` merge by name (the earlier's order,
  a name both give takes the later's template in the earlier's place, new names after);
  ``_meta`` merges key by key, the later's winning;
- settings: the request's win over the template's, key by key;
- the merged mapping is then checked as any mapping (its limits, ``copy_to``, aliases).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MergeConflict(ValueError):
    """Two mappings OpenSearch will not merge, in its words."""


def merged_mappings(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> dict[str, Any]:
    """``later`` (the create-index request's mappings) merged over ``earlier`` (the
    template's); :class:`MergeConflict` where OpenSearch refuses the merge."""
    merged = dict(earlier)
    for key, value in later.items():
        before = earlier.get(key)
        if key == "properties" and isinstance(before, Mapping) and isinstance(value, Mapping):
            merged[key] = _properties(before, value, "")
        elif key == "dynamic_templates" and isinstance(before, list) and isinstance(value, list):
            merged[key] = _templates(before, value)
        elif key == "_meta" and isinstance(before, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep(before, value)
        else:
            merged[key] = value
    return merged


def merged_settings(
    earlier: Mapping[str, Any] | None, later: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The template's settings with the request's over them."""
    return {**(earlier or {}), **(later or {})}


def _is_object(definition: Any) -> bool:
    return isinstance(definition, Mapping) and definition.get("type", "object") in (
        "object",
        "nested",
    )


def _properties(
    earlier: Mapping[str, Any], later: Mapping[str, Any], prefix: str
) -> dict[str, Any]:
    merged = dict(earlier)
    for name, definition in later.items():
        before = earlier.get(name)
        if before is None or not isinstance(before, Mapping) or not isinstance(definition, Mapping):
            merged[name] = definition
            continue
        path = f"{prefix}{name}"
        if _is_object(before) != _is_object(definition):
            raise MergeConflict(f"can't merge a non object mapping [{path}] with an object mapping")
        if not _is_object(definition):
            merged[name] = definition  # a value field's later definition replaces it whole
            continue
        was_nested = before.get("type") == "nested"
        if was_nested != (definition.get("type") == "nested"):
            change = "nested to non-nested" if was_nested else "non-nested to nested"
            raise MergeConflict(f"cannot change object mapping from {change}")
        field = dict(before)
        for key, value in definition.items():
            inner = before.get(key)
            if key == "properties" and isinstance(inner, Mapping) and isinstance(value, Mapping):
                field[key] = _properties(inner, value, f"{path}.")
            else:
                field[key] = value
        merged[name] = field
    return merged


def _templates(earlier: list[Any], later: list[Any]) -> list[Any]:
    """Dynamic templates merged by name: each keeps the earlier's place."""
    by_name: dict[Any, Any] = {}
    for item in [*earlier, *later]:
        if not isinstance(item, Mapping) or len(item) != 1:
            return later  # not a template list: read_mapping refuses it as given
        ((name, _),) = item.items()
        by_name[name] = item
    return list(by_name.values())


def _deep(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(earlier)
    for key, value in later.items():
        before = earlier.get(key)
        if isinstance(before, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep(before, value)
        else:
            merged[key] = value
    return merged
