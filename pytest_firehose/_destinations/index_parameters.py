"""The OpenSearch field types a mapping a test gives may hold (``index_explicit`` reads
it), and the parameters of each: those that decide which documents a field takes, which
the fake reads, and those that change only how values are indexed or searched, which it
keeps and shows.
"""

from __future__ import annotations

NUMBERS = (
    "long",
    "integer",
    "short",
    "byte",
    "double",
    "float",
    "half_float",
    "scaled_float",
    "unsigned_long",
)
#: The field types modelled.
TYPES = (
    *NUMBERS,
    "keyword",
    "wildcard",
    "text",
    "match_only_text",
    "boolean",
    "date",
    "date_nanos",
    "ip",
    "geo_point",
    "geo_shape",
    "knn_vector",
    "integer_range",
    "long_range",
    "float_range",
    "double_range",
    "ip_range",
    "date_range",
    "completion",
    "search_as_you_type",
    "rank_feature",
    "rank_features",
    "join",
    "binary",
    "object",
    "nested",
)
#: Parameters kept and shown, which change no document's fate, by type (``*``: any leaf).
HARMLESS: dict[str, frozenset[str]] = {
    "*": frozenset({"index", "store", "doc_values", "boost", "meta", "null_value"}),
    "text": frozenset(
        {
            "analyzer",
            "search_analyzer",
            "search_quote_analyzer",
            "norms",
            "index_options",
            "index_phrases",
            "index_prefixes",
            "fielddata",
            "position_increment_gap",
            "similarity",
            "term_vector",
            "eager_global_ordinals",
        }
    ),
    "keyword": frozenset(
        {
            "ignore_above",
            "normalizer",
            "norms",
            "index_options",
            "similarity",
            "eager_global_ordinals",
            "split_queries_on_whitespace",
        }
    ),
    "nested": frozenset({"include_in_parent", "include_in_root"}),
    "wildcard": frozenset({"ignore_above", "normalizer"}),
    "match_only_text": frozenset({"analyzer", "search_analyzer", "search_quote_analyzer"}),
}
READ = {
    **dict.fromkeys(NUMBERS, frozenset({"coerce", "ignore_malformed"})),
    "date": frozenset({"format", "locale", "ignore_malformed"}),
    "date_nanos": frozenset({"format", "locale", "ignore_malformed"}),
    "ip": frozenset({"ignore_malformed"}),
    "scaled_float": frozenset({"coerce", "ignore_malformed", "scaling_factor"}),
    "geo_point": frozenset({"ignore_malformed", "ignore_z_value"}),
}
#: A ``binary`` field reads its values only where it keeps them.
READS_BINARY = ("doc_values", "store")
