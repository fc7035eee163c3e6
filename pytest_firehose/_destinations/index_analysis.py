"""An index's own analysis (its ``index.analysis.*`` settings): the analyzers, normalizers,
tokenizers, token filters and char filters it defines, checked as OpenSearch checks them
when it creates the index, and the names a field's ``analyzer`` (``search_analyzer``,
``search_quote_analyzer``) and a ``keyword`` field's ``normalizer`` may then use.

Facts (OpenSearch's source: ``Settings`` (nested objects read as dotted keys, ``getGroups``,
``getAsList``: a string is split at commas), ``MetadataCreateIndexService`` (the ``index.``
prefix added to a key without it), ``AnalysisRegistry.build`` (char filters, tokenizers,
token filters, analyzers, normalizers, in that order), ``AnalysisRegistry.buildMapping``
and ``getAnalysisProvider``, ``AnalyzerComponents.createComponents``,
``CustomNormalizerProvider.build``, ``MultiplexerTokenFilterFactory``, ``AnalysisModule``
and ``CommonAnalysisModulePlugin`` (the names every index has)):

- a component defined without ``type`` is refused (``tokenizer [t] must specify either an
  analyzer type, or a tokenizer``), but an analyzer with a ``tokenizer`` and no type is a
  custom one, and a normalizer without a type is a custom one; a type no module registers
  is refused (``Unknown filter type [x] for [f]``);
- a custom analyzer needs a ``tokenizer`` (``Custom Analyzer [a] must be configured with a
  tokenizer``), and its tokenizer, ``char_filter`` and ``filter`` names must be the index's
  own or built in (``Custom Analyzer [a] failed to find filter under name [x]``); a
  normalizer takes no tokenizer (``Custom normalizer [n] cannot configure a tokenizer``)
  and only the filters that keep one token whole (``Custom normalizer [n] may not use
  filter [stemmer]``);
- a ``multiplexer`` filter's ``filters`` name filters of the index (``Multiplexing filter
  [m] refers to undefined tokenfilter [x]``);
- an analyzer's name may not start with ``_`` (``analyzer name must not start with '_'.
  got "_a"``); one named ``default`` is the index's default analyzer; one named
  ``default_index`` is refused, naming the index (``setting
  [index.analysis.analyzer.default_index] is not supported anymore, use
  [index.analysis.analyzer.default] instead for index [logs]``), checked once the
  analyzers and normalizers are built and before the ``_`` check;
- a built-in component that needs settings (``synonym``, ``pattern_replace``, ``mapping``
  ...) is not there by its name alone: an analyzer must name one the index defines.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: The prefix of every refusal of analysis settings, as ``PUT index`` answers.
REFUSES = "OpenSearch refuses these settings: "
PREFIX = "index.analysis."
COMPONENTS = ("char_filter", "tokenizer", "filter", "analyzer", "normalizer")


def _names_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LANGUAGES = _names_of(
    "arabic armenian basque bengali brazilian bulgarian catalan chinese cjk czech danish dutch "
    "english estonian finnish french galician german greek hindi hungarian indonesian "
    "irish italian latvian lithuanian norwegian persian portuguese romanian russian "
    "sorani spanish swedish thai turkish"
)
#: The analyzer types (``AnalysisModule.setupAnalyzers`` and the analysis module's
#: ``getAnalyzers``), ``custom`` aside.
ANALYZER_TYPES = (
    _names_of("default standard simple stop whitespace keyword fingerprint pattern snowball")
    | _LANGUAGES
)
#: The analyzers every index has by name: the types (none needs settings) and
#: ``PreBuiltAnalyzers`` (``classic`` among them; ``default`` is ``standard``).
ANALYZERS = ANALYZER_TYPES | {"classic"}
#: The tokenizer types; none needs settings, so each is there by its name too.
TOKENIZERS = _names_of(
    "standard simple_pattern simple_pattern_split thai nGram ngram edgeNGram edge_ngram "
    "char_group classic letter lowercase path_hierarchy PathHierarchy pattern uax_url_email "
    "whitespace keyword"
)
#: The token filter types that need settings (not there by name alone).
_FILTERS_WITH_SETTINGS = _names_of(
    "hunspell common_grams condition dictionary_decompounder elision hyphenation_decompounder "
    "keep keep_types keyword_marker pattern_capture pattern_replace predicate_token_filter "
    "stemmer_override truncate synonym synonym_graph"
)
#: The token filter types that need none.
_FILTERS_BY_NAME = _names_of(
    "stop standard shingle apostrophe arabic_normalization arabic_stem asciifolding "
    "bengali_normalization brazilian_stem cjk_bigram cjk_width classic czech_stem "
    "concatenate_graph decimal_digit delimited_payload delimited_term_freq dutch_stem "
    "edge_ngram edgeNGram fingerprint flatten_graph french_stem german_normalization "
    "german_stem hindi_normalization indic_normalization kstem length limit lowercase "
    "min_hash multiplexer ngram nGram persian_normalization persian_stem porter_stem "
    "remove_duplicates reverse russian_stem scandinavian_folding scandinavian_normalization "
    "serbian_normalization snowball sorani_normalization stemmer trim unique uppercase "
    "word_delimiter_graph word_delimiter"
)
FILTER_TYPES = _FILTERS_BY_NAME | _FILTERS_WITH_SETTINGS
#: The token filters every index has by name: the types that need no settings and the
#: pre-configured ones (some of which need settings as types: ``common_grams`` ...).
FILTERS = _FILTERS_BY_NAME | _names_of(
    "common_grams elision keyword_repeat truncate type_as_payload"
)
#: The built-in filters an analyzer may not use in a new index, with OpenSearch's words.
REMOVED_FILTERS = {
    "standard": "The [standard] token filter has been removed.",
    "nGram": "The [nGram] token filter name was deprecated in 6.4 and cannot be used in new "
    "indices. Please change the filter name to [ngram] instead.",
    "edgeNGram": "The [edgeNGram] token filter name was deprecated in 6.4 and cannot be used "
    "in new indices. Please change the filter name to [edge_ngram] instead.",
}
CHAR_FILTER_TYPES = _names_of("html_strip pattern_replace mapping")
#: The char filters every index has by name.
CHAR_FILTERS = _names_of("html_strip")
NORMALIZER_TYPES = _names_of("lowercase")
#: The token filters (as types, or by name) a normalizer may use: those that keep a token
#: whole (``NormalizingTokenFilterFactory``).
NORMALIZING_FILTERS = _names_of(
    "lowercase uppercase asciifolding arabic_normalization bengali_normalization cjk_width "
    "decimal_digit elision german_normalization hindi_normalization indic_normalization "
    "persian_normalization persian_stem scandinavian_folding scandinavian_normalization "
    "serbian_normalization sorani_normalization trim"
)
#: The char filter types a normalizer may use (``NormalizingCharFilterFactory``).
NORMALIZING_CHAR_FILTERS = _names_of("pattern_replace mapping")
#: The filter types whose script the fake cannot run (the script decides, token by token).
SCRIPTED = _names_of("condition predicate_token_filter")
#: The token filters (as types, or by name) after which the fake takes a ``keyword``
#: tokenizer's one token for the value itself (they change few characters' length).
_CASE_FILTERS = _names_of("lowercase uppercase")
#: What the fake says after OpenSearch's words where a name is no built-in one.
PLUGINS = (
    " (the fake has OpenSearch's built-in analysis components and the index's own; a "
    "plugin's, such as analysis-icu's, are not modelled)"
)

#: The index OpenSearch names when it refuses a composable template's analysis: the one it
#: makes to check the template (``validate-template-`` and a random id); the fake makes up
#: no id.
COMPOSABLE_CHECK = "validate-template-<random id>"
#: Likewise for a legacy template's (its check index is named by a random id alone).
LEGACY_CHECK = "<random id>"

#: What each component's registry holds: its types, and what is there by name.
_TYPES = {
    "char_filter": CHAR_FILTER_TYPES,
    "tokenizer": TOKENIZERS,
    "filter": FILTER_TYPES,
    "analyzer": ANALYZER_TYPES,
    "normalizer": NORMALIZER_TYPES,
}


@dataclass(frozen=True)
class Analysis:
    """The analyzers and normalizers an index has, by name (built in and its own)."""

    analyzers: frozenset[str] = ANALYZERS
    normalizers: frozenset[str] = NORMALIZER_TYPES
    #: The analyzers the index defines.
    own: frozenset[str] = frozenset()


BUILT_IN = Analysis()
_CURRENT: contextvars.ContextVar[Analysis] = contextvars.ContextVar("analysis", default=BUILT_IN)


def current() -> Analysis:
    """The analysis of the index whose mapping is being read (built-in only outside one)."""
    return _CURRENT.get()


@contextlib.contextmanager
def reading(analysis: Analysis) -> Iterator[None]:
    """Read a mapping (its fields' analyzers and normalizers) against ``analysis``."""
    token = _CURRENT.set(analysis)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def flat_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """``settings`` as OpenSearch reads a create-index request's: nested objects as dotted
    keys, each key with the ``index.`` prefix (added where it lacks it)."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{prefix}{key}.", item)
            return
        key = prefix[:-1]
        flat[key if key.startswith("index.") else f"index.{key}"] = value

    for key, value in (settings or {}).items():
        walk(f"{key}.", value)
    return flat


def _text(value: Any) -> str:
    """A setting's value as ``Settings`` holds it (a string)."""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _names(value: Any) -> list[str]:
    """``Settings.getAsList``: a list's items, or a string split at commas and trimmed."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_text(item) for item in value]
    return [part.strip() for part in _text(value).split(",") if part.strip()]


def _groups(flat: Mapping[str, Any], component: str) -> dict[str, dict[str, Any]]:
    """``Settings.getGroups`` of ``index.analysis.<component>.``: each name's settings."""
    prefix = f"{PREFIX}{component}."
    groups: dict[str, dict[str, Any]] = {}
    for key, value in flat.items():
        if not key.startswith(prefix):
            continue
        name, dot, rest = key[len(prefix) :].partition(".")
        if not dot:
            raise ValueError(
                f"{REFUSES}Failed to get setting group for [{prefix}] setting prefix and "
                f"setting [{key}] because of a missing '.'"
            )
        groups.setdefault(name, {})[rest] = value
    return groups


def read_analysis(flat: Mapping[str, Any], index: str) -> Analysis:
    """The analysis the ``index.analysis.*`` keys of ``flat`` (:func:`flat_settings`)
    define for the index ``index`` (the name a refusal gives: :data:`COMPOSABLE_CHECK`,
    :data:`LEGACY_CHECK` for a template's); ValueError with OpenSearch's refusal (or the
    fake's, for what it does not model)."""
    groups = {component: _groups(flat, component) for component in COMPONENTS}
    if not any(groups.values()):
        return BUILT_IN
    for component in ("char_filter", "tokenizer", "filter"):
        for name, given in groups[component].items():
            registered = _type(component, name, given)
            if component == "filter" and registered in SCRIPTED:
                raise ValueError(
                    f"the {registered} token filter [{name}] is not modelled (its script decides "
                    "what each token becomes, and the fake runs no script): give the index "
                    "filters without a script"
                )
    customs = []
    for name, given in groups["analyzer"].items():
        kind: Any = given.get("type")
        if kind is None and given.get("tokenizer") is None:
            raise ValueError(
                f"{REFUSES}analyzer [{name}] must specify either an analyzer type, or a tokenizer"
            )
        if kind is None or _text(kind) == "custom":
            customs.append(name)
        else:
            _type("analyzer", name, given)
    for name, given in groups["normalizer"].items():
        kind = given.get("type")
        if kind is not None and _text(kind) != "custom":
            _type("normalizer", name, given)
    char_filters = CHAR_FILTERS | set(groups["char_filter"])
    tokenizers = TOKENIZERS | set(groups["tokenizer"])
    filters = FILTERS | set(groups["filter"])
    for name in customs:
        _custom(name, groups["analyzer"][name], tokenizers, char_filters, filters, groups["filter"])
    for name, given in groups["normalizer"].items():
        kind = given.get("type")
        if kind is None or _text(kind) == "custom":
            _normalizer(name, given, groups)
    if "default_index" in groups["analyzer"]:
        raise ValueError(
            f"{REFUSES}setting [index.analysis.analyzer.default_index] is not supported anymore, "
            f"use [index.analysis.analyzer.default] instead for index [{index}]"
        )
    for name in groups["analyzer"]:
        if name.startswith("_"):
            raise ValueError(f"{REFUSES}analyzer name must not start with '_'. got \"{name}\"")
    own = frozenset(groups["analyzer"])
    return Analysis(ANALYZERS | own, NORMALIZER_TYPES | set(groups["normalizer"]), own)


def _type(component: str, name: str, given: Mapping[str, Any]) -> str:
    """The registered type of the component ``name`` defines; ValueError where it has
    none or one no module registers."""
    kind = given.get("type")
    if kind is None:
        raise ValueError(
            f"{REFUSES}{component} [{name}] must specify either an analyzer type, or a tokenizer"
        )
    text = _text(kind)
    if component == "filter" and _lacking(text):
        raise _refused(f"Unknown {component} type [{text}] for [{name}]")
    if text not in _TYPES[component]:
        raise ValueError(f"{REFUSES}Unknown {component} type [{text}] for [{name}]" + PLUGINS)
    return text


def _lacking(name: str) -> bool:
    """Whether ``name`` is a built-in token filter the index's domain lacks (an
    Elasticsearch domain's: ``index_elasticsearch``)."""
    from pytest_firehose._destinations.index_elasticsearch import lacks_filter

    return lacks_filter(name)


def _refused(reason: str) -> ValueError:
    """An Elasticsearch domain's refusal of a built-in token filter it lacks."""
    from pytest_firehose._destinations.index_elasticsearch import refuse_filter

    return refuse_filter(reason)


def _custom(
    name: str,
    given: Mapping[str, Any],
    tokenizers: set[str] | frozenset[str],
    char_filters: set[str] | frozenset[str],
    filters: set[str] | frozenset[str],
    defined: Mapping[str, Mapping[str, Any]],
) -> None:
    """``AnalyzerComponents.createComponents``' checks of the custom analyzer ``name``."""
    said = f"{REFUSES}Custom Analyzer [{name}] "
    tokenizer = given.get("tokenizer")
    if tokenizer is None:
        raise ValueError(said + "must be configured with a tokenizer")
    if _text(tokenizer) not in tokenizers:
        raise ValueError(
            said + f"failed to find tokenizer under name [{_text(tokenizer)}]" + PLUGINS
        )
    for char_filter in _names(given.get("char_filter")):
        if char_filter not in char_filters:
            raise ValueError(
                said + f"failed to find char_filter under name [{char_filter}]" + PLUGINS
            )
    for token_filter in _names(given.get("filter")):
        if token_filter not in defined and _lacking(token_filter):
            raise _refused(
                f"Custom Analyzer [{name}] failed to find filter under name [{token_filter}]"
            )
        if token_filter not in filters:
            raise ValueError(said + f"failed to find filter under name [{token_filter}]" + PLUGINS)
        if token_filter in defined:
            _chained(token_filter, defined[token_filter], filters, defined)
        elif token_filter in REMOVED_FILTERS:
            raise ValueError(REFUSES + REMOVED_FILTERS[token_filter])


def _chained(
    name: str,
    given: Mapping[str, Any],
    filters: set[str] | frozenset[str],
    defined: Mapping[str, Mapping[str, Any]],
) -> None:
    """A ``multiplexer``'s check of the filters it names, as an analyzer uses it."""
    if _text(given.get("type")) != "multiplexer":
        return
    for chain in _names(given.get("filters")):
        for part in chain.split(","):
            named = part.strip()
            said = f"Multiplexing filter [{name}] refers to undefined tokenfilter [{named}]"
            if named and named not in defined and _lacking(named):
                raise _refused(said)
            if named and named not in filters:
                raise ValueError(f"{REFUSES}{said}")


def _normalizer(
    name: str, given: Mapping[str, Any], groups: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> None:
    """``CustomNormalizerProvider.build``'s checks of the custom normalizer ``name``."""
    if given.get("tokenizer") is not None:
        raise ValueError(f"{REFUSES}Custom normalizer [{name}] cannot configure a tokenizer")
    for char_filter in _names(given.get("char_filter")):
        own = groups["char_filter"].get(char_filter)
        if own is None and char_filter not in CHAR_FILTERS:
            raise ValueError(
                f"{REFUSES}Custom normalizer [{name}] failed to find char_filter under name "
                f"[{char_filter}]"
            )
        if own is None or _text(own.get("type")) not in NORMALIZING_CHAR_FILTERS:
            raise ValueError(
                f"{REFUSES}Custom normalizer [{name}] may not use char filter [{char_filter}]"
            )
    for token_filter in _names(given.get("filter")):
        own = groups["filter"].get(token_filter)
        if own is None and (token_filter not in FILTERS or _lacking(token_filter)):
            said = f"Custom Analyzer [{name}] failed to find filter under name [{token_filter}]"
            if token_filter in FILTERS:
                raise _refused(said)
            raise ValueError(f"{REFUSES}{said}")
        kind = token_filter if own is None else _text(own.get("type"))
        if kind not in NORMALIZING_FILTERS:
            raise ValueError(
                f"{REFUSES}Custom normalizer [{name}] may not use filter [{token_filter}]"
            )


def check_normalizer(name: str, definition: Mapping[str, Any]) -> None:
    """Refuse, in OpenSearch's words, a ``keyword`` field's ``normalizer`` that names none
    of the index's (ValueError); ``name`` is the field's full path."""
    normalizer = definition.get("normalizer")
    if normalizer is None or normalizer == "default":  # the builder's default: none
        return
    if not isinstance(normalizer, str):
        raise ValueError(
            f'field [{name}]: normalizer is the name of a normalizer, such as "lowercase", '
            f"not {normalizer!r}"
        )
    if normalizer not in current().normalizers:
        raise ValueError(
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: normalizer "
            f"[{normalizer}] not found for field [{name.rsplit('.', 1)[-1]}] (the index has "
            "the built-in lowercase and those its analysis settings define)"
        )


def whole_value(name: str | None, flat: Mapping[str, Any]) -> bool:
    """Whether the analyzer ``name`` of an index whose settings are ``flat``
    (:func:`flat_settings`) makes a value one token, the value itself: the built-in
    ``keyword``, an index's own of type ``keyword``, or a custom one of the ``keyword``
    tokenizer with no char filter and only case filters. None is a ``text`` field's
    default: the index's ``default`` analyzer, else ``standard``."""
    analyzers = _groups(flat, "analyzer")
    if name is None and "default" not in analyzers:
        return False
    name = name or "default"
    given = analyzers.get(name)
    if given is None:
        return name == "keyword"
    kind = _text(given.get("type", "custom"))
    if kind != "custom":
        return kind == "keyword"
    tokenizer = _text(given.get("tokenizer"))
    own = _groups(flat, "tokenizer").get(tokenizer)
    if (tokenizer if own is None else _text(own.get("type"))) != "keyword":
        return False
    filters = _groups(flat, "filter")
    return not _names(given.get("char_filter")) and all(
        (token_filter if token_filter not in filters else _text(filters[token_filter].get("type")))
        in _CASE_FILTERS
        for token_filter in _names(given.get("filter"))
    )
