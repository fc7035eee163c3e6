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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_firehose._destinations.index_patterns import overlap, simple_match

if TYPE_CHECKING:
    from pytest_firehose._destinations.index_mapping import IndexMapping


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
        #: (domain, index) of the indexes documents made or reached.
        self._written: set[tuple[str, str]] = set()

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
            made = {
                name: _under_template(patterns, name, own)
                for name, own in self._requests.get(domain, {}).items()
                if (domain, name) not in self._written
            }
            self._patterns[domain] = patterns
            self._indexes.setdefault(domain, {}).update(made)
            return mapping
        if (domain, index) in self._written:
            raise ValueError(index)
        made_with = _under_template(self._patterns.get(domain, {}), index, mapping)
        self._requests.setdefault(domain, {})[index] = mapping
        self._indexes.setdefault(domain, {})[index] = made_with
        return made_with

    def current(self, domain: str, index: str, root_name: str) -> IndexMapping:
        """The mapping ``index`` of ``domain`` holds, the index made if it is new."""
        indexes = self._indexes.setdefault(domain, {})
        found = indexes.get(index)
        if found is None or (domain, index) not in self._written:
            if found is None:
                found = self._new(domain, index)
            if found.root_name != root_name:
                found = found.copy()
                found.root_name = root_name
            indexes[index] = found
            self._written.add((domain, index))
        return found

    def _new(self, domain: str, index: str) -> IndexMapping:
        from pytest_firehose._destinations.index_mapping import IndexMapping

        found = _matching(self._patterns.get(domain, {}), index)
        return IndexMapping() if found is None else found[1].mapping.copy()

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
        return [*self._indexes.get(domain, {}), *self._patterns.get(domain, {})]

    def domains(self) -> list[str]:
        """Every domain with an index or a pattern."""
        return list(dict.fromkeys([*self._indexes, *self._patterns]))

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


def _under_template(patterns: dict[str, Template], index: str, own: IndexMapping) -> IndexMapping:
    """The mapping ``index``, created with ``own``, is made with: ``own`` merged over the
    template matching it (:mod:`index_merge`); :class:`TemplateConflict` where OpenSearch
    refuses the merged mapping."""
    found = _matching(patterns, index)
    if found is None:
        return own
    from pytest_firehose._destinations.index_explicit import BadMapping, read_mapping
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
        )
    except (MergeConflict, BadMapping) as error:
        raise TemplateConflict(index, pattern, str(error)) from None
