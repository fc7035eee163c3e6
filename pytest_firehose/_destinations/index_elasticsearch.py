"""The field types an Elasticsearch destination's domain has no parser for, and how its
index refuses them.

An Elasticsearch destination (``ElasticsearchDestinationConfiguration``) reaches a legacy
Amazon Elasticsearch Service domain: Elasticsearch OSS up to 7.10 with the Open Distro
plugins. Its types are OSS Elasticsearch's own (``IndicesModule.getMappers``: the numbers
but ``unsigned_long``, the ranges, ``boolean``, ``binary``, ``date``, ``date_nanos``,
``ip``, ``text``, ``keyword``, ``object``, ``nested``, ``completion``, ``alias``,
``geo_point``, ``geo_shape``), its modules' (mapper-extras: ``scaled_float``,
``token_count``, ``rank_feature``, ``rank_features``, ``search_as_you_type``; parent-join:
``join``; percolator: ``percolator``) and its plugins' (Open Distro's k-NN:
``knn_vector``; ``analysis-icu``: ``icu_collation_keyword``; ``mapper-murmur3``:
``murmur3``). The types OpenSearch added after it forked Elasticsearch 7.10.2, and those of
OpenSearch's own plugins, are not there (:data:`OPENSEARCH_ONLY`); nor are x-pack's
(``wildcard``, ``constant_keyword``, ``unsigned_long``, ``flattened``, ``shape`` ...),
which the OSS distribution leaves out.

Elasticsearch refuses such a type where it parses the mapping, in the words it has for any
type without a parser (``ObjectMapper.TypeParser.parseProperties``, in lower case for a
sub-field: ``TypeParsers.parseMultiField``), which the fake already writes for OpenSearch;
a dynamic template's mapping is checked when a new field takes it
(``RootObjectMapper.findTemplateBuilder``: ``failed to find type parsed [t] for [f]``).
An index made with such a mapping cannot be created: ``MapperService.internalMerge``
wraps the refusal as ``Failed to parse mapping [_doc]: ...`` with it as the cause.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.index_mapping import BadMapping, MappingError, NoHandler
from pytest_firehose._destinations.index_special import REFUSES

if TYPE_CHECKING:
    from pytest_firehose._destinations.index_mapping import IndexMapping

#: The modelled types OpenSearch 2.19 (with the plugins Amazon OpenSearch Service runs)
#: has and an Elasticsearch 7.10 domain does not: OpenSearch's own since the fork
#: (``flat_object`` 2.7, ``unsigned_long``, ``match_only_text``, ``constant_keyword`` 2.14,
#: ``wildcard``) and the geospatial plugin's (``xy_point``, ``xy_shape``). The
#: OpenSearch-only types the fake does not model (``derived``, ``star_tree``, neural
#: search's ``semantic`` and ``sparse_vector``) are refused as not modelled everywhere.
OPENSEARCH_ONLY = (
    "flat_object",
    "unsigned_long",
    "match_only_text",
    "constant_keyword",
    "wildcard",
    "xy_point",
    "xy_shape",
)
#: The root's name in the refusal of an index's creation (a typeless mapping's).
_ROOT = "_doc"

#: Whether the mapping being read is an Elasticsearch domain's.
_ELASTICSEARCH: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "elasticsearch", default=False
)


@contextlib.contextmanager
def engine(elasticsearch: bool) -> Iterator[None]:
    """Read mappings (and the fields dynamic templates make) as an Elasticsearch domain's
    (``elasticsearch``) or as an OpenSearch domain's."""
    token = _ELASTICSEARCH.set(elasticsearch)
    try:
        yield
    finally:
        _ELASTICSEARCH.reset(token)


def on_elasticsearch() -> bool:
    """Whether the mapping being read is an Elasticsearch domain's."""
    return _ELASTICSEARCH.get()


def lacks(kind: Any) -> bool:
    """Whether the domain whose mapping is being read has no parser for the type ``kind``
    that OpenSearch has (an Elasticsearch domain's :data:`OPENSEARCH_ONLY`)."""
    return _ELASTICSEARCH.get() and isinstance(kind, str) and kind in OPENSEARCH_ONLY


def creation_error(mapping: IndexMapping) -> MappingError | None:
    """The error an Elasticsearch domain answers a document whose new index would be made
    with ``mapping`` (given for its name or by the templates matching it), where that
    mapping holds a type the domain lacks: the index cannot be created. None where it
    can."""
    if not mapping.given:
        return None
    from pytest_firehose._destinations.index_explicit import read_mapping

    try:
        with engine(True):
            read_mapping(mapping.given, mapping.settings, index="_elasticsearch_check")
    except NoHandler as error:
        reason = str(error).removeprefix(REFUSES)
        return MappingError(
            "mapper_parsing_exception",
            f"Failed to parse mapping [{_ROOT}]: {reason}",
            ("mapper_parsing_exception", reason),
        )
    except BadMapping:  # pragma: no cover - the mapping was read before, on OpenSearch's terms
        return None
    return None
