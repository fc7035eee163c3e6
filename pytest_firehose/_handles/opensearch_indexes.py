"""The mappings a test gives OpenSearch indexes and index patterns with
``firehose.opensearch_index(...)`` before documents arrive, refused where OpenSearch would
refuse them, and the mapping an index holds read back with ``firehose.opensearch_mapping(...)``
(``FirehoseHandle``'s); what both take is ``search_inputs.py``'s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._engine.world import World


class OpenSearchIndexes:
    """The OpenSearch index mappings of the ``firehose`` handle (which it is mixed into)."""

    _world: World

    def opensearch_index(
        self,
        domain: str,
        index: str,
        mappings: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        priority: int | None = None,
        order: int | None = None,
    ) -> dict[str, Any]:
        """Give the OpenSearch index ``index`` of ``domain`` its mapping before documents
        arrive, as ``PUT index`` with ``mappings`` and ``settings`` would; returns the
        mapping as ``GET index/_mapping`` shows it.

        ``domain`` is what delivery streams name: a ``DomainARN``, ``ClusterEndpoint`` or
        ``CollectionEndpoint``. ``index`` is a name, or a pattern with ``*`` whose mapping
        every index made later that matches it gets, as a composable index template gives
        it (a rotated index: ``"logs-*"``; only ``*`` is special). Where several patterns
        match a new index, the one of the highest ``priority`` (0 unless given) gives its
        mapping; two of one priority that could match one index are refused, as OpenSearch
        refuses them. A pattern given with ``order`` (an int) is a legacy index template
        instead (``PUT _template``): a new index no composable template matches gets every
        legacy one that matches it, their mappings merged from the highest ``order`` down
        (a key one gives stays, objects merged key by key, a field's parameters too).
        A name's mapping is merged over the mapping of the pattern matching
        it, as OpenSearch creates an index with mappings under a template (the merged
        mapping is returned; one OpenSearch would not merge is refused). ``mappings`` is
        OpenSearch's mappings object: ``dynamic`` (``True``, ``False``: new fields kept in
        the source only, ``"strict"``: refused, ``"strict_allow_templates"`` and
        ``"false_allow_templates"``: mapped only where a dynamic template maps them, else
        refused or kept in the source only), ``properties`` with the field types
        ``long``, ``integer``, ``short``, ``byte``, ``double``, ``float``, ``half_float``,
        ``scaled_float``, ``unsigned_long``, ``keyword``, ``wildcard``, ``text``,
        ``match_only_text``, ``boolean``, ``date`` (with ``format``), ``date_nanos``, ``ip``,
        ``geo_point``, ``geo_shape``, ``xy_point``, ``xy_shape``, ``knn_vector``,
        ``integer_range``, ``long_range``, ``float_range``, ``double_range``, ``ip_range``,
        ``binary``, ``object``, ``nested``,
        ``alias``, ``constant_keyword``, ``token_count`` and ``flat_object`` (and ``copy_to``),
        ``dynamic_templates``, ``date_detection``, ``numeric_detection``,
        ``dynamic_date_formats``. ``settings``:
        the limits ``index.mapping.total_fields.limit``, ``index.mapping.depth.limit``,
        ``index.mapping.field_name_length.limit``, ``index.mapping.nested_fields.limit``,
        ``index.mapping.nested_objects.limit``, ``index.knn`` (a k-NN index, whose
        ``knn_vector`` fields take a ``method``) and ``index.analysis`` (the index's own
        analyzers, normalizers, tokenizers and filters, which its fields may name), nested
        or dotted, with or without ``index.``.
        An index documents already reached keeps its mapping: giving it one is refused.
        The streams of every region that name ``domain`` write to it."""
        from pytest_firehose._destinations.index_analysis import COMPOSABLE_CHECK, LEGACY_CHECK
        from pytest_firehose._destinations.index_explicit import read_mapping
        from pytest_firehose._destinations.index_mapping import BadMapping
        from pytest_firehose._destinations.search_indexes import (
            OverlappingTemplates,
            TemplateConflict,
        )
        from pytest_firehose._handles.search_inputs import (
            check_domain,
            check_index,
            check_json_object,
            check_order,
            check_priority,
            check_untyped,
            legacy_conflict,
            template_conflict,
        )

        said = terms()
        where = said.call(f"opensearch_index({cut(domain, repr)}, {cut(index, repr)}, ...)")
        check_domain(where, domain)
        check_index(where, index, pattern=True)
        rank = check_priority(where, index, priority)
        legacy = check_order(where, index, order, priority)
        given = check_json_object(where, "mappings", mappings)
        limits = check_json_object(where, "settings", settings)
        if legacy is not None or "*" not in index:
            check_untyped(where, given)
        inherited = None
        merged_later = False
        if legacy is None and "*" not in index:
            with self._world.looked():
                inherited = self._world.search_indexes.inherited_settings(domain, index)
                merged_later = self._world.search_indexes.made_under_legacy(domain, index)
        try:
            # The name OpenSearch's refusals give: a template's is that of its check index.
            named = index if "*" not in index else COMPOSABLE_CHECK
            mapping = read_mapping(
                given,
                limits,
                inherited,
                index=LEGACY_CHECK if legacy is not None else named,
                merged_later=merged_later,
            )
        except BadMapping as error:
            raise UsageError(f"{where}: {error}") from None
        if legacy is not None:
            with self._world.touched():
                try:
                    self._world.search_indexes.register_legacy(domain, index, mapping, legacy)
                except TemplateConflict as error:
                    raise legacy_conflict(where, index, error) from None
            return mapping.shown()
        with self._world.touched():
            try:
                made = self._world.search_indexes.register(domain, index, mapping, rank)
            except TemplateConflict as error:
                raise template_conflict(where, index, error) from None
            except OverlappingTemplates as error:
                example = said.keyword("priority", str(rank + 1))
                raise UsageError(
                    f"{where}: OpenSearch refuses this index template: {error} (give one of "
                    f"them another priority, e.g. {example}: where both match a new index, "
                    "the higher gives it its mapping)"
                ) from None
            except ValueError:
                raise UsageError(
                    f"{where}: documents already reached the index {said.value(index)}, so "
                    "its mapping is made; give a mapping before the first document arrives, "
                    "or give one to a pattern for the indexes still to come"
                ) from None
        return made.shown()

    def opensearch_mapping(self, domain: str, index: str) -> dict[str, Any]:
        """The mapping the OpenSearch index ``index`` of ``domain`` holds, as
        ``GET index/_mapping`` shows its ``mappings``: what ``opensearch_index`` gave it
        (or a pattern it matches), with the fields dynamic mapping added as documents were
        delivered. An index there is not raises ``KeyError`` naming those there are."""
        from pytest_firehose._handles.search_inputs import check_domain, check_index

        said = terms()
        where = said.call(f"opensearch_mapping({cut(domain, repr)}, {cut(index, repr)})")
        check_domain(where, domain)
        check_index(where, index, pattern=False)
        with self._world.looked():
            indexes = self._world.search_indexes
            found = indexes.shown(domain, index)
            if found is None:
                known = ", ".join(indexes.names(domain)) or "none"
                register = said.phrase(
                    "firehose.opensearch_index(domain, index, mappings)", "POST /_fake/opensearch"
                )
                raise KeyError(
                    f"no index {index} in {domain} (indexes and patterns: {known}); an index "
                    f"is made when its first document is delivered, or with {register}"
                )
            return found
