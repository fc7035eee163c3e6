"""The OpenSearch indexes of the domains, clusters and collections delivery streams write
to: each index's mapping, and the mappings tests gave indexes and index
patterns (``firehose.opensearch_index``) before documents arrive.

A domain is what a stream's configuration names: its ``DomainARN``, ``ClusterEndpoint``
or ``CollectionEndpoint`` (an endpoint without its trailing ``/``, its scheme and host in
lower case); two streams naming the same one share its indexes. An index is made when
its first document arrives (with rotation, a new day's index is a new index), with the
mapping of the pattern it matches with the highest ``priority`` (as a composable index
template gives it: one template applies, and two of one priority whose patterns overlap
are refused), under the mapping given for its name (merged over the template's, as
OpenSearch creates an index with mappings of its own: ``index_merge``), else an empty one
that dynamic mapping fills. Patterns match by OpenSearch's simple match (``index_patterns``).
A new index no composable template matches gets the legacy templates (patterns given with
``order``) that match it, merged as OpenSearch merges them (``index_legacy``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_firehose._destinations.index_legacy import (
    LegacyTemplate,
    legacy_mappings,
    legacy_settings,
    matching_legacy,
)
from pytest_firehose._destinations.index_patterns import overlap, simple_match

if TYPE_CHECKING:
    from pytest_firehose._destinations.index_mapping import IndexMapping, MappingError


def domain_key(domain: str) -> str:
    """The key a domain's ARN or endpoint is kept under."""
    domain = domain.strip()
    if domain.lower().startswith(("https://", "http://")):
        scheme, _, rest = domain.partition("://")
        host, slash, path = rest.partition("/")
        domain = f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")
    return domain


class Template(NamedTuple):
    """An index pattern's mapping, as a composable index template holds it."""

    priority: int
    mapping: IndexMapping


class OverlappingTemplates(ValueError):
    """A pattern that overlaps patterns of the same priority: OpenSearch's refusal."""

    def __init__(self, pattern: str, priority: int, others: list[str]) -> None:
        self.others = others
        super().__init__(
            f"index template [{pattern}] has index patterns [{pattern}] matching patterns "
            f"from existing templates [{','.join(others)}] with patterns "
            f"({','.join(f'{other} => [{other}]' for other in others)}) that have the same "
            f"priority [{priority}], multiple index templates may not match during index "
            "creation, please use a different priority"
        )


class TemplateConflict(ValueError):
    """An index's own mapping that the template matching its name does not merge with:
    OpenSearch's refusal to create the index."""

    def __init__(self, index: str, pattern: str, reason: str) -> None:
        self.index = index
        self.pattern = pattern
        self.reason = reason
        super().__init__(reason)


class NotCreated(ValueError):
    """A new index its domain cannot create with the mapping it would be made with:
    ``error`` is the refusal each document bound for it is answered."""

    def __init__(self, error: MappingError) -> None:
        super().__init__(error.reason)
        self.error = error


class SearchIndexes:
    """The indexes and registered mappings of the domains (see the module): the world's, for
    the streams of every region, as a domain's ARN or endpoint names it alone."""

    def __init__(self) -> None:
        #: domain -> index -> its mapping (for an index no document reached yet, the one
        #: it will be made with: its own merged over the template matching it).
        self._indexes: dict[str, dict[str, IndexMapping]] = {}
        #: domain -> index -> the mapping given for its name, as given.
        self._requests: dict[str, dict[str, IndexMapping]] = {}
        #: domain -> index pattern -> its template, in registration order.
        self._patterns: dict[str, dict[str, Template]] = {}
        #: domain -> index pattern -> its legacy template, in registration order.
        self._legacy: dict[str, dict[str, LegacyTemplate]] = {}
        #: (domain, index) of the indexes documents made or reached.
        self._written: set[tuple[str, str]] = set()

    def register_legacy(
        self, domain: str, pattern: str, mapping: IndexMapping, order: int
    ) -> IndexMapping:
        """Give ``pattern`` of ``domain`` a legacy template of ``order`` holding
        ``mapping`` (given again: replaced). :class:`TemplateConflict` where the templates
        that could match one index with it, or an index given by name that it matches,
        merge into a mapping OpenSearch refuses."""
        domain = domain_key(domain)
        legacy = dict(self._legacy.get(domain, {}))
        legacy.pop(pattern, None)
        legacy[pattern] = LegacyTemplate(order, mapping)
        together = {
            other: template
            for other, template in legacy.items()
            if other == pattern or overlap(pattern, other)
        }
        _legacy_made(list(together.items()), {}, {}, pattern, pattern)
        patterns = self._patterns.get(domain, {})
        made = self._remade(domain, patterns, legacy)
        self._legacy[domain] = legacy
        self._indexes.setdefault(domain, {}).update(made)
        return mapping

    def _remade(
        self, domain: str, patterns: dict[str, Template], legacy: dict[str, LegacyTemplate]
    ) -> dict[str, IndexMapping]:
        """The mappings of ``domain``'s indexes given by name that no document reached yet,
        made again under ``patterns`` and the ``legacy`` templates."""
        return {
            name: _under_template(patterns, name, own, legacy)
            for name, own in self._requests.get(domain, {}).items()
            if (domain, name) not in self._written
        }

    def register(
        self, domain: str, index: str, mapping: IndexMapping, priority: int = 0
    ) -> IndexMapping:
        """Give ``index`` (a name, or a pattern with ``*`` of ``priority``) of ``domain``
        ``mapping``: the mapping the index will be made with (a name's own merged over the
        pattern matching it, as OpenSearch creates an index with mappings under a
        template). :class:`OverlappingTemplates` for a pattern another of its priority
        overlaps, :class:`TemplateConflict` for a name's mapping (or a pattern's) that does
        not merge with the template matching the name, ValueError once documents reached
        an index of that name."""
        domain = domain_key(domain)
        if "*" in index:
            patterns = dict(self._patterns.get(domain, {}))
            others = [
                other
                for other, template in patterns.items()
                if other != index and template.priority == priority and overlap(index, other)
            ]
            if others:
                raise OverlappingTemplates(index, priority, others)
            patterns.pop(index, None)  # registered again: replaced
            patterns[index] = Template(priority, mapping)
            legacy = self._legacy.get(domain, {})
            made = self._remade(domain, patterns, legacy)
            self._patterns[domain] = patterns
            self._indexes.setdefault(domain, {}).update(made)
            return mapping
        if (domain, index) in self._written:
            raise ValueError(index)
        made_with = _under_template(
            self._patterns.get(domain, {}), index, mapping, self._legacy.get(domain, {})
        )
        self._requests.setdefault(domain, {})[index] = mapping
        self._indexes.setdefault(domain, {})[index] = made_with
        return made_with

    def made_under_legacy(self, domain: str, index: str) -> bool:
        """Whether ``index`` of ``domain`` would be made under legacy templates: none of
        the composable templates matches it, and a legacy one does."""
        domain = domain_key(domain)
        if _matching(self._patterns.get(domain, {}), index) is not None:
            return False
        return bool(matching_legacy(self._legacy.get(domain, {}), index))

    def inherited_settings(self, domain: str, index: str) -> dict[str, Any]:
        """The settings the templates that would make ``index`` of ``domain`` give it."""
        domain = domain_key(domain)
        found = _matching(self._patterns.get(domain, {}), index)
        if found is not None:
            return found[1].mapping.settings
        return legacy_settings({}, matching_legacy(self._legacy.get(domain, {}), index))

    def current(
        self, domain: str, index: str, root_name: str, *, elasticsearch: bool = False
    ) -> IndexMapping:
        """The mapping ``index`` of ``domain`` holds, the index made if it is new; on an
        ``elasticsearch`` domain, :class:`NotCreated` for a new index whose mapping holds a
        type or a parameter's value the domain lacks (``index_elasticsearch``), which is
        then not made."""
        indexes = self._indexes.setdefault(domain, {})
        found = indexes.get(index)
        if found is None or (domain, index) not in self._written:
            if found is None:
                found = self._new(domain, index)
            if elasticsearch:
                from pytest_firehose._destinations.index_elasticsearch import creation_error

                error = creation_error(found)
                if error is not None:
                    raise NotCreated(error)
            if found.root_name != root_name:
                found = found.copy()
                found.root_name = root_name
            indexes[index] = found
            self._written.add((domain, index))
        return found

    def _new(self, domain: str, index: str) -> IndexMapping:
        from pytest_firehose._destinations.index_mapping import IndexMapping

        found = _matching(self._patterns.get(domain, {}), index)
        if found is not None:
            return found[1].mapping.copy()
        legacy = matching_legacy(self._legacy.get(domain, {}), index)
        if not legacy:
            return IndexMapping()
        return _legacy_made(legacy, {}, {}, index, legacy[0][0])

    def commit(self, domain: str, index: str, mapping: IndexMapping) -> None:
        """``index`` of ``domain`` now holds ``mapping`` (documents added fields)."""
        self._indexes.setdefault(domain, {})[index] = mapping

    def shown(self, domain: str, index: str) -> dict[str, Any] | None:
        """The mapping of ``index`` (a name) of ``domain`` as OpenSearch shows it; None
        for an index there is not."""
        found = self._indexes.get(domain_key(domain), {}).get(index)
        return None if found is None else found.shown()

    def names(self, domain: str) -> list[str]:
        """The indexes and patterns of ``domain``, in the order they came."""
        domain = domain_key(domain)
        return [
            *self._indexes.get(domain, {}),
            *self._patterns.get(domain, {}),
            *self._legacy.get(domain, {}),
        ]

    def indexes_of(self, domain: str) -> dict[str, dict[str, Any]]:
        """Every index of ``domain``, by name, with its mapping as OpenSearch shows it."""
        return {
            name: mapping.shown()
            for name, mapping in self._indexes.get(domain_key(domain), {}).items()
        }


def _matching(patterns: dict[str, Template], index: str) -> tuple[str, Template] | None:
    """The pattern (and its template) that gives a new index ``index`` its mapping: of
    those matching, the one of the highest priority."""
    matching = [entry for entry in patterns.items() if simple_match(entry[0], index)]
    if not matching:
        return None
    # Two that match one index overlap, so their priorities differ.
    return max(matching, key=lambda entry: entry[1].priority)


def _legacy_made(
    templates: list[tuple[str, LegacyTemplate]],
    own: dict[str, Any],
    own_settings: dict[str, Any],
    index: str,
    pattern: str,
) -> IndexMapping:
    """The mapping an index created with ``own`` (and ``own_settings``) under the legacy
    ``templates`` is made with; :class:`TemplateConflict` (naming ``index`` and
    ``pattern``) where OpenSearch refuses it."""
    from pytest_firehose._destinations.index_explicit import read_mapping
    from pytest_firehose._destinations.index_mapping import BadMapping

    ordered = sorted(templates, key=lambda entry: -entry[1].order)
    try:
        return read_mapping(
            legacy_mappings(own, ordered), legacy_settings(own_settings, ordered), index=index
        )
    except BadMapping as error:
        raise TemplateConflict(index, pattern, str(error)) from None


def _under_template(
    patterns: dict[str, Template],
    index: str,
    own: IndexMapping,
    legacy: dict[str, LegacyTemplate] | None = None,
) -> IndexMapping:
    """The mapping ``index``, created with ``own``, is made with: ``own`` merged over the
    composable template matching it (:mod:`index_merge`), else with the legacy templates
    matching it merged into it (:mod:`index_legacy`); :class:`TemplateConflict` where
    OpenSearch refuses the merged mapping."""
    found = _matching(patterns, index)
    if found is None:
        matching = matching_legacy(legacy or {}, index)
        if not matching:
            return own
        return _legacy_made(matching, own.given, own.settings, index, matching[0][0])
    from pytest_firehose._destinations.index_explicit import read_mapping
    from pytest_firehose._destinations.index_mapping import BadMapping
    from pytest_firehose._destinations.index_merge import (
        MergeConflict,
        merged_mappings,
        merged_settings,
    )

    pattern, template = found
    try:
        return read_mapping(
            merged_mappings(template.mapping.given, own.given),
            merged_settings(template.mapping.settings, own.settings),
            index=index,
        )
    except (MergeConflict, BadMapping) as error:
        raise TemplateConflict(index, pattern, str(error)) from None
