"""An index's mapping as a test gives it (``firehose.opensearch_index``, ``POST
/_fake/opensearch``): OpenSearch's own ``mappings`` JSON, and its ``index.mapping.*``
settings, read into an :class:`~pytest_firehose._destinations.index_mapping.IndexMapping`.

What is read is what changes which documents the index takes: field types
(``index_parameters.TYPES``), ``properties``, ``dynamic``, ``enabled``, ``fields``
(sub-fields), ``format``, ``coerce``, ``ignore_malformed``, ``copy_to`` (``index_copy``),
``scaling_factor``, ``ignore_z_value`` (the geometry types' parameters in
``index_geo_shape`` and ``index_xy_point``), and at the top ``date_detection``,
``numeric_detection``, ``dynamic_date_formats`` and ``dynamic_templates``
(``index_templates``). The parameters in ``index_parameters.HARMLESS`` change how values
are indexed or searched, not whether a document is taken: they are kept and shown. A
parameter a core type's OpenSearch mapper does not declare is refused in OpenSearch's
words, or dropped as OpenSearch drops it (``index_parameters.drop_undeclared``). Anything
else is refused (:class:`BadMapping`) naming what is modelled, rather than taken and
ignored. This module reads the mapping's top and checks the whole (``copy_to`` targets,
aliases, one ``join``, the limits); ``index_fields`` reads each field.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_analysis import PREFIX as ANALYSIS_PREFIX
from pytest_firehose._destinations.index_analysis import flat_settings, read_analysis, reading
from pytest_firehose._destinations.index_copy import CopyToError, check_copy_to
from pytest_firehose._destinations.index_date_fields import dynamic_date_formats
from pytest_firehose._destinations.index_elasticsearch import Refused
from pytest_firehose._destinations.index_fields import (
    flag,
    read_object,
    templated_field,
    untyped_merged,
)
from pytest_firehose._destinations.index_join import check_one_join
from pytest_firehose._destinations.index_knn import KNN_INDEX, knn_index
from pytest_firehose._destinations.index_mapping import (
    BadMapping,
    IndexMapping,
    MappingError,
    Node,
    Obj,
    check_limits,
)
from pytest_firehose._destinations.index_settings import SettingError, read_settings
from pytest_firehose._destinations.index_special import REFUSES, check_aliases, java_text
from pytest_firehose._destinations.index_templates import TemplateError, read_templates

_ROOT = frozenset(
    {
        "properties",
        "dynamic",
        "date_detection",
        "numeric_detection",
        "dynamic_templates",
        "dynamic_date_formats",
    }
)
_ROOT_HARMLESS = frozenset({"_source", "_meta"})
#: What OpenSearch reads at the root besides, which the fake does not model.
_ROOT_UNMODELLED = frozenset({"enabled", "type", "derived"})


def _walk(node: Obj, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Node]]:
    found: list[tuple[tuple[str, ...], Node]] = []
    for name, child in node.properties.items():
        found.append(((*path, name), child))
        if isinstance(child, Obj):
            found.extend(_walk(child, (*path, name)))
    return found


def _check_root(mappings: Mapping[str, Any]) -> None:
    """``DocumentMapperParser.checkNoRemainingFields`` at the root: the keys OpenSearch
    reads there by no name (a type name wrapped around the mapping among them: ``_doc``
    in a template, whose mapping OpenSearch wraps in ``_doc`` again) refused in its words,
    in the order given; a ``_`` name other than ``_doc`` is left to the modelled check."""
    unsupported = [
        key
        for key in mappings
        if isinstance(key, str)
        and key not in _ROOT | _ROOT_HARMLESS | _ROOT_UNMODELLED
        and (key == "_doc" or not key.startswith("_"))
    ]
    if not unsupported:
        return
    given = "".join(f" [{key} : {java_text(mappings[key])}]" for key in unsupported)
    wrapped = len(mappings) == 1 and isinstance(mappings[unsupported[0]], Mapping)
    raise BadMapping(
        f"{REFUSES}Root mapping definition has unsupported parameters: {given}"
        + (" (give the mappings object itself, without a type name around it)" if wrapped else "")
    )


def read_mapping(
    mappings: Mapping[str, Any] | None,
    settings: Mapping[str, Any] | None,
    inherited: Mapping[str, Any] | None = None,
    *,
    index: str,
    merged_later: bool = False,
) -> IndexMapping:
    """The mapping ``mappings`` (OpenSearch's ``mappings`` object) and ``settings`` make
    (with the analysis of the ``inherited`` settings, a template's, under them) for the
    index ``index`` (as a refusal names it: ``index_analysis.read_analysis``);
    :class:`BadMapping` for what the fake does not take, and for a mapping past the
    index's limits (in OpenSearch's words). ``merged_later``: the mapping of an index
    OpenSearch makes under legacy templates, merged into theirs as JSON before it is
    parsed, so a field may lack the type a template gives it (checked once merged)."""
    if mappings is None:
        mappings = {}
    if not isinstance(mappings, Mapping):
        raise BadMapping(
            "the mapping is OpenSearch's mappings object, e.g. "
            '{"dynamic": "strict", "properties": {"price": {"type": "long"}}}'
        )
    if "mappings" in mappings:
        raise BadMapping(
            'give the mappings object itself (its "properties", "dynamic" ...), not one '
            'that holds "mappings"; settings are given on their own'
        )
    _check_root(mappings)
    for key in mappings:
        if key not in _ROOT | _ROOT_HARMLESS:
            raise BadMapping(
                f"the mapping parameter {key!r} is not modelled; pytest-firehose models "
                f"{', '.join(sorted(_ROOT | _ROOT_HARMLESS))}"
            )
    settings = flat_settings(settings)
    try:
        limits = read_settings(settings, (KNN_INDEX, ANALYSIS_PREFIX))
    except SettingError as error:
        raise BadMapping(str(error)) from None
    try:
        knn = knn_index(settings)
        analysis = read_analysis({**flat_settings(inherited), **settings}, index)
    except Refused:  # a token filter an Elasticsearch domain lacks
        raise
    except ValueError as error:
        raise BadMapping(str(error)) from None
    try:
        templates = read_templates(
            mappings.get("dynamic_templates", []),
            functools.partial(templated_field, knn=knn, analysis=analysis),
        )
    except TemplateError as error:
        raise BadMapping(str(error)) from None
    with reading(analysis), untyped_merged() if merged_later else contextlib.nullcontext():
        root = read_object(
            "the mapping",
            "object",
            {key: mappings[key] for key in mappings if key in ("properties", "dynamic")},
            knn=knn,
        )
    date_formats = None
    if "dynamic_date_formats" in mappings:
        try:
            date_formats = dynamic_date_formats(mappings["dynamic_date_formats"])
        except ValueError as error:  # UnknownFormat too
            raise BadMapping(str(error)) from None
    mapping = IndexMapping(
        root,
        flag("the mapping", "date_detection", mappings.get("date_detection", True)),
        flag("the mapping", "numeric_detection", mappings.get("numeric_detection", False)),
        limits=limits,
        shown_root={
            key: (
                root.dynamic
                if key == "dynamic"
                else list(date_formats or ())
                if key == "dynamic_date_formats"
                else mappings[key]
            )
            for key in mappings
            if key != "properties"
        },
        templates=templates,
        date_formats=date_formats,
        given=copy.deepcopy(dict(mappings)),
        settings=settings,
    )
    nodes = _walk(root, ())
    try:
        check_copy_to(root, nodes)
    except CopyToError as error:
        raise BadMapping(str(error)) from None
    try:
        check_aliases(root)
        check_one_join(root.properties)
    except ValueError as error:
        raise BadMapping(str(error)) from None
    mapping.fields = sum(node.count() for _, node in nodes)
    try:
        check_limits(mapping.fields, nodes, limits, merge=bool(mappings))
    except MappingError as error:
        raise BadMapping(f"OpenSearch refuses this mapping: {error.reason}") from None
    return mapping
