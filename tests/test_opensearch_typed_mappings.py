"""A mapping wrapped in its type name, as Elasticsearch 6 took it (``{"_doc":
{"properties": ...}}``): ``PUT index`` and ``PUT _template`` refuse it
(``RestCreateIndexAction.prepareMappings``), and a composable template, whose mapping
OpenSearch wraps in ``_doc`` again, refuses it at its root, as it refuses any other type
name around a mapping (``DocumentMapperParser.checkNoRemainingFields``)."""

from __future__ import annotations

from typing import Any

import pytest
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

PROPERTIES = {"properties": {"price": {"type": "long"}}}
ROOT = (
    "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Root mapping "
    "definition has unsupported parameters: "
)


def refusal(fake: FirehoseFake, index: str, mappings: Any, **options: Any) -> str:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, index, mappings, **options)
    return str(refused.value)


@pytest.mark.parametrize(("index", "options"), [("logs", {}), ("logs-*", {"order": 0})])
def test_a_mapping_wrapped_in_doc_is_refused_by_put_index_and_legacy_templates(
    fake: FirehoseFake, index: str, options: dict[str, Any]
) -> None:
    said = refusal(fake, index, {"_doc": PROPERTIES}, **options)

    assert (
        "OpenSearch refuses this request: The mapping definition cannot be nested under a type"
        in said
    )


def test_a_composable_template_s_mapping_wrapped_in_doc_is_refused_at_its_root(
    fake: FirehoseFake,
) -> None:
    said = refusal(fake, "logs-*", {"_doc": PROPERTIES})

    assert f"{ROOT} [_doc : {{properties={{price={{type=long}}}}}}]" in said


@pytest.mark.parametrize(
    ("index", "options"), [("logs", {}), ("logs-*", {}), ("logs-*", {"order": 0})]
)
def test_another_type_name_around_a_mapping_is_refused_at_its_root(
    fake: FirehoseFake, index: str, options: dict[str, Any]
) -> None:
    said = refusal(fake, index, {"event": PROPERTIES}, **options)

    assert f"{ROOT} [event : {{properties={{price={{type=long}}}}}}]" in said
    assert said.endswith(" (give the mappings object itself, without a type name around it)")


def test_doc_beside_other_root_parameters_is_refused_at_the_root(fake: FirehoseFake) -> None:
    """``prepareMappings`` refuses only a mapping whose one key is ``_doc``."""
    said = refusal(fake, "logs", {"dynamic": "strict", "_doc": PROPERTIES, "kind": "x"})

    assert f"{ROOT} [_doc : {{properties={{price={{type=long}}}}}}] [kind : x]" in said
    assert "type name" not in said  # no wrapper to take off: the hint is left out


def test_the_mapping_itself_is_taken(fake: FirehoseFake) -> None:
    assert fake.firehose.opensearch_index(DOMAIN, "logs", PROPERTIES) == PROPERTIES
