"""The OpenSearch indexes of the domains, clusters and collections delivery streams write
to: each index's mapping, and the mappings tests gave indexes and index
patterns (``firehose.opensearch_index``) before documents arrive.

A domain is what a stream's configuration names: its ``DomainARN``, ``ClusterEndpoint``
or ``CollectionEndpoint`` (an endpoint without its trailing ``/``, its scheme and host in
lower case); two streams naming the same one share its indexes. An index is made when
its first document arrives (with rotation, a new day's index is a new index), with the
mapping given for its name, else the one given for the last registered pattern it
matches (as an index template gives it), else an empty one that dynamic mapping fills.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

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


class SearchIndexes:
    """The indexes and registered mappings of the domains (see the module): the world's, for
    the streams of every region, as a domain's ARN or endpoint names it alone."""

    def __init__(self) -> None:
        #: domain -> index -> its mapping.
        self._indexes: dict[str, dict[str, IndexMapping]] = {}
        #: domain -> index pattern -> the mapping it gives a new index, in registration order.
        self._patterns: dict[str, dict[str, IndexMapping]] = {}
        #: (domain, index) of the indexes documents made or reached.
        self._written: set[tuple[str, str]] = set()

    def register(self, domain: str, index: str, mapping: IndexMapping) -> None:
        """Give ``index`` (a name, or a pattern with ``*``) of ``domain`` ``mapping``;
        ValueError once documents reached an index of that name."""
        domain = domain_key(domain)
        if "*" in index:
            patterns = self._patterns.setdefault(domain, {})
            patterns.pop(index, None)  # registered again: the latest
            patterns[index] = mapping
            return
        if (domain, index) in self._written:
            raise ValueError(index)
        self._indexes.setdefault(domain, {})[index] = mapping

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

        for pattern, mapping in reversed(list(self._patterns.get(domain, {}).items())):
            if fnmatch.fnmatchcase(index, pattern):
                return mapping.copy()
        return IndexMapping()

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
