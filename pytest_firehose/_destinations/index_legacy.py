"""Legacy index templates (``PUT _template/name``): the patterns given with ``order=``
(``firehose.opensearch_index``), which of them a new index gets, and the mapping and
settings their merge makes.

Facts (OpenSearch 2.19's source: ``MetadataIndexTemplateService`` ``findV1Templates``,
``innerPutTemplate``, ``validate``; ``MetadataCreateIndexService``
``applyCreateIndexRequest``, ``parseV1Mappings``; ``XContentHelper.mergeDefaults``;
``MetadataIndexTemplateService.resolveSettings``):

- a composable template that matches a new index wins over every legacy one (none of
  them is applied); legacy templates do not refuse each other, nor a composable one that
  overlaps them (OpenSearch only warns);
- every legacy template whose pattern matches applies, sorted by ``order`` from the
  highest (a stable sort);
- mappings: the index's own (given for its name) first, then each template's merged
  into it as defaults, from the highest order down: a key already there stays, an object
  both hold is merged key by key (a field both define keeps its parameters and takes the
  template's others), a list both hold of one-key objects (``dynamic_templates``) merges
  by name (the content's first, new names after), other lists both hold are the
  template's items then the content's new ones; the merged mapping is then read as any
  (a field definition the merge made that its type refuses, refused);
- settings: the lowest order's first, each higher one's over them, the index's over all.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_firehose._destinations.index_patterns import simple_match

if TYPE_CHECKING:
    from pytest_firehose._destinations.index_mapping import IndexMapping


class LegacyTemplate(NamedTuple):
    """A legacy index template: its ``order`` and its mapping (and settings)."""

    order: int
    mapping: IndexMapping


def matching_legacy(
    templates: Mapping[str, LegacyTemplate], index: str
) -> list[tuple[str, LegacyTemplate]]:
    """The legacy templates (by pattern, in the order given) a new index ``index`` gets,
    the highest ``order`` first (ties in the order given)."""
    matching = [entry for entry in templates.items() if simple_match(entry[0], index)]
    return sorted(matching, key=lambda entry: -entry[1].order)


def merge_defaults(content: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    """``XContentHelper.mergeDefaults``: ``defaults`` merged into ``content`` (changed in
    place) where ``content`` lacks them (see the module)."""
    for key, default in defaults.items():
        if key not in content:
            content[key] = copy.deepcopy(default)
            continue
        held = content[key]
        if isinstance(held, dict) and isinstance(default, Mapping):
            merge_defaults(held, default)
        elif isinstance(held, list) and isinstance(default, list):
            content[key] = _merged_lists(held, default)


def _merged_lists(held: list[Any], default: list[Any]) -> list[Any]:
    if _named(held) and _named(default):
        by_name: dict[Any, dict[str, Any]] = {}
        for item in held:
            by_name[next(iter(item))] = item
        for item in default:
            name = next(iter(item))
            if name in by_name:
                merge_defaults(by_name[name], item)
            else:
                by_name[name] = copy.deepcopy(item)
        return list(by_name.values())
    merged = copy.deepcopy(default)
    merged.extend(item for item in held if item not in merged)
    return merged


def _named(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and len(item) == 1 for item in items)


def legacy_mappings(
    own: Mapping[str, Any], templates: list[tuple[str, LegacyTemplate]]
) -> dict[str, Any]:
    """``parseV1Mappings``: the index's own mappings JSON with ``templates`` (the highest
    order first) merged into it as defaults."""
    merged: dict[str, Any] = copy.deepcopy(dict(own))
    for _, template in templates:
        merge_defaults(merged, template.mapping.given)
    return merged


def legacy_settings(
    own: Mapping[str, Any], templates: list[tuple[str, LegacyTemplate]]
) -> dict[str, Any]:
    """``resolveSettings`` for ``templates`` (the highest order first: applied from the
    last), then the index's own over them."""
    settings: dict[str, Any] = {}
    for _, template in reversed(templates):
        settings.update(template.mapping.settings)
    settings.update(own)
    return settings
