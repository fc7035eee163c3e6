"""The field types an Elasticsearch destination's domain has no parser for, the parameter
values it lacks, and how its index refuses them.

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

Some parameters both engines read take values, or names, only OpenSearch has; those are
refused where they are read, as :class:`Refused` in Elasticsearch's words:

- ``dynamic``: Elasticsearch 7.10's ``ObjectMapper.TypeParser`` reads ``strict`` (any case)
  or else a boolean (``XContentMapValues.nodeBooleanValue``), so OpenSearch's
  ``strict_allow_templates`` and ``false_allow_templates`` are refused as no boolean:
  ``Could not convert [dynamic.dynamic] to boolean``, caused by ``Failed to parse value
  [strict_allow_templates] as only [true] or [false] are allowed.``;
- ``knn_vector``: Open Distro's k-NN 1.13 (``KNNVectorFieldMapper.Builder``) declares
  ``store``, ``doc_values``, ``dimension`` and ``meta`` alone (the space type and the HNSW
  parameters are index settings there, the engine nmslib), so ``method``, ``data_type``,
  ``mode``, ``compression_level``, ``model_id`` and a top-level ``space_type`` are
  unknown parameters (``unknown parameter [method] on mapper [v] of type [knn_vector]``),
  and ``dimension`` is at most 10000 (``Dimension value cannot be greater than 10000 for
  vector: v``, an ``IllegalArgumentException``).

Its analysis lacks the token filters OpenSearch registers and Elasticsearch 7.10's
``CommonAnalysisPlugin`` does not (:data:`OPENSEARCH_ONLY_FILTERS`): such a filter type
is unknown (``Unknown filter type [persian_stem] for [f]``), a name an analyzer or a
normalizer uses found nowhere (``Custom Analyzer [a] failed to find filter under name
[persian_stem]``), a multiplexer's undefined (``Multiplexing filter [m] refers to
undefined tokenfilter [x]``): ``IllegalArgumentException``s that fail the index's
creation as ``AnalysisRegistry.build`` builds its analysis, before its mapping is parsed,
unwrapped.

In a new index's mapping such a refusal fails its creation as a type it lacks does; in a
dynamic template's mapping it fails the document whose new field takes it, as
``DocumentParser`` wraps it (a ``MapperParsingException`` as it is, another in ``failed to
parse``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.index_analysis import REFUSES as _SETTINGS
from pytest_firehose._destinations.index_mapping import (
    ALLOW_TEMPLATES,
    BadMapping,
    MappingError,
    NoHandler,
)
from pytest_firehose._destinations.index_special import DROPPED, REFUSES
from pytest_firehose._destinations.index_values import Cause

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
#: The parameters Open Distro's k-NN 1.13 declares for a ``knn_vector`` field.
OPEN_DISTRO_KNN = ("store", "doc_values", "dimension", "meta")
#: Open Distro's k-NN 1.13's greatest ``dimension`` (``KNNVectorFieldMapper.MAX_DIMENSION``).
OPEN_DISTRO_MAX_DIMENSION = 10000
#: The built-in token filters (each a type, and a filter by its name) OpenSearch 2.19 has
#: and Elasticsearch 7.10 does not (its ``CommonAnalysisPlugin`` registers none of them):
#: ``persian_stem`` (Lucene 9's ``PersianStemFilter``), ``concatenate_graph`` and
#: ``delimited_term_freq``.
OPENSEARCH_ONLY_FILTERS = frozenset({"concatenate_graph", "delimited_term_freq", "persian_stem"})
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


class Refused(BadMapping):
    """Elasticsearch 7.10's refusal of a parameter's value (or of a parameter, or an
    analysis component) OpenSearch takes: ``reason`` its message, ``kind`` its exception's
    type, ``cause`` the exception it holds (None: none); ``in_mapping``: refused where the
    mapping is parsed (else where the index's analysis is built, before its mapping)."""

    def __init__(
        self, kind: str, reason: str, cause: Cause = None, *, in_mapping: bool = True
    ) -> None:
        super().__init__(f"{REFUSES if in_mapping else _SETTINGS}{reason}")
        self.kind = kind
        self.reason = reason
        self.cause = cause
        self.in_mapping = in_mapping

    def document_error(self) -> MappingError:
        """The error of a document whose new field a dynamic template maps with what was
        refused (``DocumentParser.wrapInMapperParsingException``)."""
        if self.kind == "mapper_parsing_exception":
            return MappingError(self.kind, self.reason)
        return MappingError(
            "mapper_parsing_exception", "failed to parse", (self.kind, self.reason, self.cause)
        )


def lacks_filter(name: str) -> bool:
    """Whether the domain whose index is being read has no built-in token filter (or
    filter type) ``name`` that OpenSearch has (an Elasticsearch domain's
    :data:`OPENSEARCH_ONLY_FILTERS`)."""
    return _ELASTICSEARCH.get() and name in OPENSEARCH_ONLY_FILTERS


def refuse_filter(reason: str) -> Refused:
    """Elasticsearch's refusal of an analysis naming a token filter it lacks
    (``reason``, its ``IllegalArgumentException``'s message), which fails the index's
    creation as its analysis is built, before its mapping is parsed."""
    return Refused("illegal_argument_exception", reason, in_mapping=False)


def refuse_dynamic(value: Any) -> None:
    """Refuse, on an Elasticsearch domain, a ``dynamic`` mode only OpenSearch has (``value``
    as given, in any case)."""
    if _ELASTICSEARCH.get() and isinstance(value, str) and value.lower() in ALLOW_TEMPLATES:
        raise Refused(
            "illegal_argument_exception",
            "Could not convert [dynamic.dynamic] to boolean",
            (
                "illegal_argument_exception",
                f"Failed to parse value [{value}] as only [true] or [false] are allowed.",
            ),
        )


def refuse_knn(simple: str, definition: Mapping[str, Any], dimension: Callable[[Any], int]) -> None:
    """Refuse, on an Elasticsearch domain, what Open Distro's k-NN 1.13 does not take of a
    ``knn_vector`` field ``simple`` (its own name): a parameter it does not declare, and a
    ``dimension`` (as ``dimension`` reads it) past 10000; in the order given, as its builder
    reads them (``ParametrizedFieldMapper.Builder.parse``)."""
    if not _ELASTICSEARCH.get():
        return
    for key, value in definition.items():
        if key in DROPPED and key not in OPEN_DISTRO_KNN:
            continue  # taken with a deprecation warning, as OpenSearch takes it
        if key not in OPEN_DISTRO_KNN:
            raise Refused(
                "mapper_parsing_exception",
                f"unknown parameter [{key}] on mapper [{simple}] of type [knn_vector]",
            )
        past = key == "dimension" and value is not None
        if past and dimension(value) > OPEN_DISTRO_MAX_DIMENSION:
            raise Refused(
                "illegal_argument_exception",
                f"Dimension value cannot be greater than {OPEN_DISTRO_MAX_DIMENSION} for "
                f"vector: {simple}",
            )


def creation_error(mapping: IndexMapping) -> MappingError | None:
    """The error an Elasticsearch domain answers a document whose new index would be made
    with ``mapping`` (given for its name or by the templates matching it), where that
    mapping holds a type or a parameter's value the domain lacks: the index cannot be
    created. None where it can."""
    if not mapping.given:
        return None
    from pytest_firehose._destinations.index_explicit import read_mapping

    try:
        with engine(True):
            read_mapping(mapping.given, mapping.settings, index="_elasticsearch_check")
    except NoHandler as error:  # a type it lacks, in the words for any unknown type
        refused = Refused("mapper_parsing_exception", str(error).removeprefix(REFUSES))
    except Refused as error:
        refused = error
    except BadMapping:  # pragma: no cover - the mapping was read before, on OpenSearch's terms
        return None
    else:
        return None
    if not refused.in_mapping:  # the analysis, built before the mapping is parsed
        return MappingError(refused.kind, refused.reason, refused.cause)
    return MappingError(
        "mapper_parsing_exception",
        f"Failed to parse mapping [{_ROOT}]: {refused.reason}",
        (refused.kind, refused.reason, refused.cause),
    )
