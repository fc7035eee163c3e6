"""The fault keywords are defined once (``FaultSpec``): ``.fail()``, the markers, the control
API and the docs all say the same ones."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import fields
from pathlib import Path

import pytest

from pytest_firehose._doors.control import Control
from pytest_firehose._doors.control_input import ControlError
from pytest_firehose._engine.fault_keywords import EFFECTS, KEYWORDS, SIGNATURE, FaultSpec
from pytest_firehose._engine.world import World
from pytest_firehose._handles.base import ServiceHandle
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle

ROOT = Path(__file__).parent.parent
#: The pages that document the fault keywords, and the section of each that does.
KEYWORD_SECTIONS = [
    ("README.md", "## Scripting failures"),
    ("docs/reference.md", "## Fault keywords"),
    ("docs/faults.md", "## Every keyword at a glance"),
    ("docs/kinesis.md", "## Failures and throttles"),
]


def test_fail_takes_exactly_the_fault_keywords_keyword_only_with_their_defaults() -> None:
    parameters = list(inspect.signature(ServiceHandle.fail).parameters.values())[1:]

    assert [p.name for p in parameters] == [f.name for f in fields(FaultSpec)]
    assert {p.kind for p in parameters} == {inspect.Parameter.KEYWORD_ONLY}
    assert [p.default for p in parameters] == [f.default for f in fields(FaultSpec)]
    assert [p.annotation for p in parameters] == [f.type for f in fields(FaultSpec)]


def test_every_effect_is_a_keyword() -> None:
    assert set(EFFECTS) <= set(KEYWORDS)


def test_the_marker_signature_reads_like_fail() -> None:
    assert SIGNATURE == (
        "*, records=None, throttle=None, error=None, timeout=None, latency=None, chaos=None, "
        "seed=None, operation=None, stream=None, call=1, times=None, events=None, optional=False"
    )


def test_the_control_api_accepts_the_fault_keywords_and_names_them_all() -> None:
    world = World()
    control = Control(world, FirehoseHandle(world), KinesisHandle(world), lambda: "")
    body = json.dumps({"service": "firehose", "bogus": 1}).encode()

    with pytest.raises(ControlError) as raised:
        control.answer("POST", "/_fake/faults", "", body)

    fields = ", ".join(f'"{keyword}"' for keyword in KEYWORDS)
    assert f'a fault\'s fields are "service" and {fields} (' in str(raised.value)


def _section(text: str, heading: str) -> str:
    start = text.index(f"{heading}\n")
    rest = text[start + len(heading) :]
    level = heading.index(" ")
    found = re.search(rf"^#{{1,{level}}} ", rest, flags=re.MULTILINE)
    return rest[: found.start()] if found else rest


def _keyword_table_cells(section: str) -> list[str]:
    """The first cells of the rows of every table whose first column is "keyword"."""
    cells: list[str] = []
    table: list[str] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line.split("|")[1].strip())
            continue
        if table and table[0] == "keyword":
            cells.extend(table[2:])  # after the header and its separator
        table = []
    return cells


def _named(cells: list[str]) -> set[str]:
    """The keywords written as ``name=...`` inside the cells' code spans."""
    spans = [span for cell in cells for span in re.findall(r"`([^`]*)`", cell)]
    return {name for span in spans for name in re.findall(r"(?<![\w.])([a-z_]+)=", span)}


@pytest.mark.parametrize(("page", "heading"), KEYWORD_SECTIONS)
def test_the_docs_keyword_tables_name_every_keyword_and_no_other(page: str, heading: str) -> None:
    section = _section((ROOT / page).read_text(), heading)

    named = _named(_keyword_table_cells(section))

    assert sorted(set(KEYWORDS) - named) == [], f"{page} does not name them"
    assert sorted(named - set(KEYWORDS)) == [], f"{page} names keywords that do not exist"
