"""An OpenSearch mapping's ``dynamic_templates``: the ordered, named rules that decide how a
field dynamic mapping adds is mapped; read from the mapping JSON, matched against a new
field, and shown as ``GET index/_mapping`` shows them.

Facts (OpenSearch's source: ``DynamicTemplate``, ``RootObjectMapper``, ``DocumentParser``):

- a template is a one-key object, its name to its parameters: ``match``, ``unmatch``
  (the field's name), ``path_match``, ``path_unmatch`` (its dotted path),
  ``match_mapping_type`` (the JSON type: ``object``, ``string``, ``long``, ``double``,
  ``boolean``, ``date``, ``binary``, or ``*``), ``match_pattern`` (``simple``, the
  default: ``*`` is any run of characters; or ``regex``: the whole name matches) and
  ``mapping``; it needs ``mapping`` and one of ``match``, ``path_match``,
  ``match_mapping_type``;
- a new field takes the first template that matches it; ``{name}`` in the mapping is the
  field's name, ``{dynamic_type}`` (``{dynamicType}``) the type dynamic mapping would give
  it (``object``, ``text``, ``long``, ``float``, ``boolean``, ``date``), which is also the
  type of a mapping that names none;
- a string date detection reads is a ``date`` (a ``string`` template does not see it); a
  string numeric detection reads is a ``long`` or ``double``; an integer ``long``, a
  fraction ``double``; an object (and each object a dotted name implies) ``object``;
- a template shows ``match_mapping_type`` as given (``*`` when it has neither ``match``
  nor ``path_match``), ``match_pattern`` only when ``regex``, its ``mapping`` with keys
  sorted;
- a template whose ``mapping`` its type's parser refuses is taken all the same
  (``RootObjectMapper.validateDynamicTemplate`` only logs a deprecation, ``dynamic template
  [t] has invalid content [...]``, whatever the index's version) and shown; a new field
  it matches fails its document where ``RootObjectMapper.findTemplateBuilder`` parses the
  mapping for the field: ``DocumentParser.wrapInMapperParsingException`` passes a
  ``MapperParsingException`` through as it is (``mapper_parsing_exception`` ``unknown
  parameter [x] on mapper [f] of type [t]``, ``f`` the new field's own name; ``... must
  not have a [null] value``) and wraps any other as ``failed to parse`` caused by it; a
  type no parser takes is ``failed to find type parsed [t] for [f]`` (its own
  ``MapperParsingException``, found before any parser runs); the parameters a type
  parser that is no ``ParametrizedFieldMapper``'s leaves unread are not checked there
  (``checkNoRemainingFields`` is the mapping parser's).

Chosen: a refusal other than those is taken to be an ``IllegalArgumentException``
(``illegal_argument_exception`` under ``failed to parse``), as the builders' value checks
read are; a mapping the fake does not model is still refused when the template is given,
and so is one with parameters its type's parser leaves unread (OpenSearch would map the
field without them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_firehose._destinations.index_elasticsearch import Refused, on_elasticsearch
from pytest_firehose._destinations.index_mapping import Leaf, MappingError, Node, NoHandler
from pytest_firehose._destinations.index_patterns import simple
from pytest_firehose._destinations.index_special import REFUSES

#: The JSON types a template matches, and the type dynamic mapping gives each (``binary``
#: is CBOR's: a JSON document has none).
DYNAMIC_TYPES = {
    "object": "object",
    "string": "text",
    "long": "long",
    "double": "float",
    "boolean": "boolean",
    "date": "date",
    "binary": "binary",
}
#: How ``DocumentMapperParser.checkNoRemainingFields``'s refusal begins: the parameters a
#: type's parser left unread, which only a mapping given is checked for.
_UNREAD = "Mapping definition for ["
_PARAMETERS = (
    "match",
    "path_match",
    "unmatch",
    "path_unmatch",
    "match_mapping_type",
    "match_pattern",
    "mapping",
)


class TemplateError(ValueError):
    """A ``dynamic_templates`` value OpenSearch (or the fake) does not take."""


#: Builds a field from its name and mapping JSON (``index_explicit``'s reader), raising
#: ValueError with the reason for one it does not take.
Builder = Callable[[str, Mapping[str, Any]], Node]


@dataclass
class DynamicTemplate:
    """One dynamic template (see the module)."""

    name: str
    given: dict[str, Any]
    json_type: str | None
    patterns: dict[str, re.Pattern[str]]
    mapping: dict[str, Any]
    build: Builder
    _built: dict[tuple[str, str, bool], Node] = field(default_factory=dict)

    def matches(self, path: str, name: str, json_type: str) -> bool:
        """Whether the new field ``name`` at ``path`` (dotted) of ``json_type`` takes it."""
        patterns = self.patterns
        if "path_match" in patterns and not patterns["path_match"].fullmatch(path):
            return False
        if "match" in patterns and not patterns["match"].fullmatch(name):
            return False
        if "path_unmatch" in patterns and patterns["path_unmatch"].fullmatch(path):
            return False
        if "unmatch" in patterns and patterns["unmatch"].fullmatch(name):
            return False
        return self.json_type is None or self.json_type == json_type

    def node(self, name: str, json_type: str) -> Node:
        """The field this template makes of the new field ``name`` of ``json_type``."""
        # By name: a field may hold its own name (``{name}``, a geo_point's messages);
        # and by engine: an Elasticsearch domain lacks types OpenSearch has.
        key = (name, json_type, on_elasticsearch())
        found = self._built.get(key)
        if found is None:
            found = self._built[key] = self.build(name, self.definition(name, json_type))
        return found

    def definition(self, name: str, json_type: str) -> dict[str, Any]:
        """The mapping JSON with its placeholders filled, and its type."""
        dynamic_type = DYNAMIC_TYPES[json_type]
        definition: dict[str, Any] = _filled(self.mapping, name, dynamic_type)
        if "type" not in definition and dynamic_type != "object":
            definition["type"] = dynamic_type
        return definition

    def shown(self) -> dict[str, Any]:
        """The template as ``GET index/_mapping`` shows it."""
        shown = {key: self.given[key] for key in _PARAMETERS[:4] if key in self.given}
        if self.json_type is not None:
            shown["match_mapping_type"] = self.json_type
        elif "match" not in shown and "path_match" not in shown:
            shown["match_mapping_type"] = "*"
        if self.given.get("match_pattern") == "regex":
            shown["match_pattern"] = "regex"
        shown["mapping"] = {key: self.mapping[key] for key in sorted(self.mapping)}
        return {self.name: shown}


def _filled(value: Any, name: str, dynamic_type: str) -> Any:
    if isinstance(value, str):
        return (
            value.replace("{name}", name)
            .replace("{dynamic_type}", dynamic_type)
            .replace("{dynamicType}", dynamic_type)
        )
    if isinstance(value, Mapping):
        return {
            _filled(key, name, dynamic_type): _filled(item, name, dynamic_type)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_filled(item, name, dynamic_type) for item in value]
    return value


def read_templates(value: Any, build: Builder) -> tuple[DynamicTemplate, ...]:
    """The templates ``value`` (the mapping's ``dynamic_templates``) gives, each checked as
    OpenSearch checks it, and its mapping read by ``build`` for each JSON type it can
    apply to; :class:`TemplateError` in OpenSearch's words, or the fake's."""
    if not isinstance(value, list):
        raise TemplateError(
            "dynamic_templates: Dynamic template syntax error. An array of named objects is "
            'expected, e.g. [{"ids": {"match": "*_id", "mapping": {"type": "keyword"}}}]'
        )
    templates: list[DynamicTemplate] = []
    for item in value:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise TemplateError(
                "dynamic_templates: A dynamic template must be defined with a name: each item "
                'is one object of its name to its parameters, e.g. {"ids": {"match": "*_id", '
                '"mapping": {"type": "keyword"}}}'
            )
        ((name, given),) = item.items()
        templates.append(_template(str(name), given, build))
    return tuple(templates)


def _template(name: str, given: Any, build: Builder) -> DynamicTemplate:
    where = f"dynamic template [{name}]"
    if not isinstance(given, Mapping):
        raise TemplateError(f"{where}: its parameters are an object, not {given!r}")
    for key, item in given.items():
        if key not in _PARAMETERS:
            raise TemplateError(
                f"{where}: Illegal dynamic template parameter: [{key}] (a template takes "
                f"{', '.join(_PARAMETERS)})"
            )
        if key != "mapping" and not isinstance(item, str):
            raise TemplateError(f"{where}: {key} is a string, not {item!r}")
    if not any(key in given for key in ("match", "path_match", "match_mapping_type")):
        raise TemplateError(
            f"{where}: template must have match, path_match or match_mapping_type set"
        )
    mapping = given.get("mapping")
    if mapping is None:
        raise TemplateError(
            f'{where}: template must have mapping set, e.g. "mapping": {{"type": "keyword"}}'
        )
    if not isinstance(mapping, Mapping):
        raise TemplateError(f'{where}: mapping is an object, e.g. {{"type": "keyword"}}')
    json_type = given.get("match_mapping_type")
    if json_type == "*":
        json_type = None
    if json_type is not None and json_type not in DYNAMIC_TYPES:
        raise TemplateError(
            f"{where}: No field type matched on [{json_type}], possible values are "
            f"[{', '.join(DYNAMIC_TYPES)}]"
        )
    kind = given.get("match_pattern", "simple")
    if kind not in ("simple", "regex"):
        raise TemplateError(
            f'{where}: No matching pattern matched on [{kind}] (match_pattern is "simple" or '
            '"regex")'
        )
    patterns: dict[str, re.Pattern[str]] = {}
    for key in _PARAMETERS[:4]:
        if key in given:
            try:
                patterns[key] = re.compile(given[key]) if kind == "regex" else simple(given[key])
            except re.error as error:
                raise TemplateError(
                    f"{where}: Pattern [{given[key]}] of type [{kind}] is invalid ({error}). "
                    f"Cannot create dynamic template [{name}]."
                ) from None
    template = DynamicTemplate(name, dict(given), json_type, patterns, dict(mapping), build)
    # Every JSON type the template can apply to must make a field the fake reads.
    for applies in [json_type] if json_type is not None else list(DYNAMIC_TYPES)[:-1]:
        try:
            template.node(f"__dynamic__{name}", applies)
        except ValueError as error:
            if str(error).startswith(REFUSES + _UNREAD):
                raise TemplateError(
                    f"{where}: the mapping it gives a new {applies} field has parameters its "
                    "type does not read, which OpenSearch leaves unread when the template "
                    "maps a field (and refuses in a mapping given): not modelled, give the "
                    f"template only those its type reads ({error})"
                ) from None
            if str(error).startswith(REFUSES):
                # OpenSearch logs a deprecation: the document that uses it fails.
                continue
            also = (
                ""
                if json_type is not None
                else ' (give the template a "match_mapping_type" to apply it to one type)'
            )
            raise TemplateError(
                f"{where}: the mapping it gives a new {applies} field is not one the fake "
                f"takes{also}: {error}"
            ) from None
    template._built.clear()
    return template


#: How the type parsers' ``MapperParsingException``s start, which ``DocumentParser`` passes
#: through as they are.
_PASSED = (
    "unknown parameter [",
    "no handler for type [",
    "No handler for type [",
    "No type specified for field [",
    "no type specified for property [",
)


def failed_document(template: DynamicTemplate, full: str, error: ValueError) -> MappingError:
    """The error of a document whose new field ``full`` (its dotted path) the template's
    mapping makes no field of (``error``, the type parser's refusal): OpenSearch's, as
    ``DocumentParser`` answers it, where the refusal is in its words."""
    own = full.rsplit(".", 1)[-1]
    if isinstance(error, Refused):  # what an Elasticsearch domain lacks, with its cause
        return error.document_error()
    if isinstance(error, NoHandler) and error.field == own:
        # RootObjectMapper.findTemplateBuilder finds no parser for the template's type (a
        # sub-field's or an inner property's is its type parser's own refusal, below).
        return MappingError(
            "mapper_parsing_exception", f"failed to find type parsed [{error.kind}] for [{own}]"
        )
    message = str(error)
    if not message.startswith(REFUSES):
        return MappingError(
            "mapper_parsing_exception",
            f"dynamic template [{template.name}] makes no field of [{full}]: {message}",
        )
    reason = message[len(REFUSES) :]
    # ParametrizedFieldMapper.Builder.parse's MapperParsingExceptions, and the type
    # parsers' for a field (a sub-field) without a type or of a type no parser takes; the
    # others are IllegalArgumentExceptions.
    if reason.startswith(_PASSED) or reason.endswith("must not have a [null] value"):
        return MappingError("mapper_parsing_exception", reason)
    return MappingError(
        "mapper_parsing_exception", "failed to parse", ("illegal_argument_exception", reason)
    )


def check_parent(full: tuple[str, ...], path: tuple[str, ...], made: Node) -> None:
    """Refuse what a template made of an object a dotted name (``full``) implies at
    ``path``: a nested object, or a field that holds values."""
    if isinstance(made, Leaf):
        raise MappingError(
            "mapper_parsing_exception",
            f"Could not dynamically add mapping for field [{'.'.join(full)}]. Existing "
            f"mapping for [{'.'.join(path)}] must be of type object but found [{made.type}].",
        )
    if made.type == "nested":
        raise MappingError(
            "mapper_parsing_exception",
            f"It is forbidden to create dynamic nested objects ([{'.'.join(path)}]) "
            "through `copy_to` or dots in field names",
        )


def dated(made: Node, detected: Leaf) -> Node:
    """A ``date`` field a template made for a string date detection read: without a
    ``format`` of its own it takes the detected one (OpenSearch parses the template's
    mapping with it as the default)."""
    if not isinstance(made, Leaf) or made.type not in ("date", "date_nanos"):
        return made
    if "format" in made.params or "format" not in detected.params:
        return made
    check = detected.check
    if made.type == "date_nanos":
        from pytest_firehose._destinations.index_nanos import nanos_check

        check = nanos_check(detected.params["format"])
    # Everything else of the template's field stays as it made it (``copy_to`` ...).
    return replace(made, params={**made.params, "format": detected.params["format"]}, check=check)
