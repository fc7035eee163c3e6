"""What ``firehose.opensearch_index(...)`` and ``firehose.opensearch_mapping(...)`` (and
``POST /_fake/opensearch``, ``GET /_fake/opensearch/{index}``) take: the domain a
delivery stream names (its ``DomainARN``, ``ClusterEndpoint`` or ``CollectionEndpoint``),
an index name or pattern, and OpenSearch's mappings and settings JSON (read by
``_destinations/index_explicit.py``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._destinations.search_indexes import TemplateConflict

#: An OpenSearch Service (or Elasticsearch) domain's ARN.
DOMAIN_ARN = re.compile(r"arn:aws[a-z-]*:es:[a-z0-9-]+:[0-9]{12}:domain/[a-z][a-z0-9-]{2,27}")
EXAMPLE_DOMAIN = "arn:aws:es:us-east-1:123456789012:domain/search"


def check_domain(where: str, domain: object) -> str:
    """The domain ``domain`` names: a domain's ARN, or a cluster's or collection's
    endpoint URL, as a delivery stream's configuration names it."""
    said = terms()
    shape = (
        f"{where}: the domain is named as the delivery stream names it: its DomainARN "
        f"(such as {said.value(EXAMPLE_DOMAIN)}), ClusterEndpoint or CollectionEndpoint "
        f"(an https:// URL)"
    )
    if not isinstance(domain, str) or not domain.strip():
        raise UsageError(f"{shape}, not {said.value(domain)}")
    if domain.startswith("arn:"):
        if DOMAIN_ARN.fullmatch(domain) is None:
            raise UsageError(f"{shape}; {cut(domain, said.value)} is no domain ARN")
    elif not domain.lower().startswith(("https://", "http://")):
        raise UsageError(f"{shape}, not {cut(domain, said.value)}")
    return domain


def check_index(where: str, index: object, *, pattern: bool) -> str:
    """An index name (or, where ``pattern``, a pattern with ``*``, as an index template's,
    refused where OpenSearch refuses the pattern; where ``pattern``, a name OpenSearch
    would not create an index of is refused too)."""
    said = terms()
    if not isinstance(index, str) or not index:
        raise UsageError(
            f"{where}: the index is named by a non-empty string, such as "
            f"{said.value('logs')}{' or ' + said.value('logs-*') if pattern else ''}, "
            f"not {said.value(index)}"
        )
    if "*" in index and not pattern:
        raise UsageError(
            f"{where}: {said.value(index)} is a pattern; name one index, such as "
            f"{said.value(index.replace('*', '2026-12-06'))}"
        )
    if pattern and "*" not in index:
        from pytest_firehose._destinations.index_patterns import index_name_error

        invalid = index_name_error(index)
        if invalid is not None:
            raise UsageError(
                f"{where}: OpenSearch refuses to create this index: {invalid} (an index "
                "name is lower case, at most 255 bytes, starts with no _ - or +, is not . "
                'or .., and holds no space nor any of , # : \\ / * ? " < > |); a stream '
                "whose IndexName makes such a name fails each document with this error"
            )
    if "*" in index:
        from pytest_firehose._destinations.index_patterns import pattern_errors

        errors = pattern_errors(index)
        if errors:
            failed = "".join(f"{n}: {error};" for n, error in enumerate(errors, 1))
            raise UsageError(
                f"{where}: OpenSearch refuses this index template: Validation Failed: "
                f"{failed} (in a pattern only * is special: it stands for any run of "
                "characters, and every other character for itself)"
            )
    return index


def check_priority(where: str, index: str, priority: object) -> int:
    """An index template's ``priority`` (0 when not given): a whole number, and only for
    a pattern."""
    said = terms()
    if priority is None:
        return 0
    if "*" not in index:
        raise UsageError(
            f"{where}: {said.name('priority')} belongs to a pattern's mapping (an index "
            f"template's); the index {said.value(index)} has its own mapping whatever "
            "the patterns give"
        )
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 0:
        raise UsageError(
            f"{where}: {said.name('priority')} is a whole number, 0 or more (the higher "
            f"wins where patterns overlap), not {said.value(priority)}"
        )
    if priority > 2**63 - 1:
        raise UsageError(
            f"{where}: {said.name('priority')} is a long, at most {2**63 - 1}, not "
            f"{said.value(priority)}"
        )
    return priority


def check_json_object(where: str, name: str, value: object) -> Mapping[str, Any] | None:
    """``value`` when it is None or a mapping (OpenSearch's JSON object)."""
    if value is None or isinstance(value, Mapping):
        return value
    said = terms()
    example = (
        '{"dynamic": "strict", "properties": {"price": {"type": "long"}}}'
        if name == "mappings"
        else '{"index.mapping.total_fields.limit": 2000}'
    )
    raise UsageError(
        f"{where}: {said.name(name)} is OpenSearch's {name} object, e.g. {example}, not "
        f"{said.value(value)}"
    )


def check_untyped(where: str, mappings: Mapping[str, Any] | None) -> None:
    """``PUT index`` and ``PUT _template`` (``RestCreateIndexAction.prepareMappings``)
    refuse ``mappings`` whose one key is ``_doc``, a mapping wrapped in its type name."""
    if mappings is not None and list(mappings) == ["_doc"]:
        raise UsageError(
            f"{where}: OpenSearch refuses this request: The mapping definition cannot be nested "
            'under a type (give the mappings object itself, without "_doc" around it: '
            '{"properties": ...})'
        )


def check_order(where: str, index: str, order: object, priority: object) -> int | None:
    """A legacy index template's ``order`` (None when not given: not a legacy template):
    an int (Java's), only for a pattern, and not beside ``priority``."""
    said = terms()
    if order is None:
        return None
    if "*" not in index:
        raise UsageError(
            f"{where}: {said.name('order')} belongs to a pattern's mapping (a legacy index "
            f"template's); the index {said.value(index)} has its own mapping whatever the "
            "patterns give"
        )
    if priority is not None:
        raise UsageError(
            f"{where}: give {said.name('priority')} (a composable index template) or "
            f"{said.name('order')} (a legacy one), not both"
        )
    if isinstance(order, bool) or not isinstance(order, int) or not -(2**31) <= order < 2**31:
        raise UsageError(
            f"{where}: {said.name('order')} is a whole number between {-(2**31)} and "
            f"{2**31 - 1} (an int: the higher's mapping wins where legacy templates meet), "
            f"not {said.value(order)}"
        )
    return order


def legacy_conflict(where: str, pattern: str, error: TemplateConflict) -> UsageError:
    """The refusal of a legacy template (``pattern``) whose mapping, merged with the legacy
    templates that could match one index with it or into an index's own mapping, makes a
    mapping OpenSearch refuses."""
    said = terms()
    reason = error.reason.removeprefix("OpenSearch refuses this mapping: ")
    whom = (
        "an index that the legacy templates overlapping it match"
        if error.index == pattern
        else f"the index {said.value(error.index)} with the mapping given for it"
    )
    return UsageError(
        f"{where}: OpenSearch would refuse to create {whom}: {reason} (legacy templates' "
        "mappings merge key by key, so a field both define takes the parameters of each)"
    )


def template_conflict(where: str, given: str, error: TemplateConflict) -> UsageError:
    """The refusal of a mapping (given for the name or the pattern ``given``) under which
    OpenSearch would not create the index ``error`` names."""
    said = terms()
    reason = error.reason.removeprefix("OpenSearch refuses this mapping: ")
    whose = (
        f"the mapping given for {said.value(error.index)}"
        if given == error.index
        else f"the mapping given for the index {said.value(error.index)}"
    )
    hint = (
        " (the index's own mapping is merged over the template's: a field both define is "
        "an object in both, nested in both or not, or a value field in both)"
        if reason.startswith(("can't merge", "cannot change object mapping"))
        else ""
    )
    return UsageError(
        f"{where}: OpenSearch refuses to create the index {said.value(error.index)} with "
        f"{whose} under the template {said.value(error.pattern)}: {reason}{hint}"
    )
