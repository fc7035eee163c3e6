"""Every test written in the README and docs/ runs, through the plugin, as a user's would.

A block fenced ```python that defines a test runs; one fenced ```py is shown and not run
(the migration pages' "before" code, written for moto or botocore's Stubber).
"""

from __future__ import annotations

import re
from pathlib import Path

# The documented tests run in this process (pytester), which forgets the modules each run
# imports. Libraries they use are imported here first, so every run shares one copy of
# them (requests, for one, breaks when half of it is imported twice; aiobotocore's endpoint
# must be the one the fake patches).
import freezegun  # noqa: F401
import moto  # noqa: F401
import pytest
import requests  # noqa: F401
import responses  # noqa: F401
from conftest import aioboto3_installed, aiobotocore_installed, needs_botocore

if aiobotocore_installed():  # the recipes with async clients are marked aio
    import aiobotocore.endpoint  # noqa: F401
if aioboto3_installed():  # and those with aioboto3's, aioboto3
    import aioboto3  # noqa: F401

ROOT = Path(__file__).parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
#: A block whose API calls are newer than the oldest botocore supported says so, for readers
#: and for this run: ``# needs botocore with: kinesis TagResource, kinesis CreateStream.Tags``.
NEEDS = re.compile(r"^# needs botocore with: (.+)$", re.MULTILINE)


def _runnable_blocks() -> list[pytest.param]:
    params = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, block in enumerate(BLOCK.findall(page.read_text()), 1):
            if "def test_" in block:
                name = f"{page.relative_to(ROOT)}#{number}"
                needs_aiobotocore = "aiobotocore" in block or "aioboto3" in block
                marks = [pytest.mark.aio] if needs_aiobotocore else []
                if "aioboto3" in block:
                    marks.append(pytest.mark.aioboto3)
                for needs in NEEDS.findall(block):
                    marks.append(needs_botocore(*(need.strip() for need in needs.split(","))))
                params.append(pytest.param(block, id=name, marks=marks))
    return params


@pytest.mark.parametrize("source", _runnable_blocks())
def test_documented_tests_pass(pytester: pytest.Pytester, source: str) -> None:
    pytester.makepyfile(test_documented=source)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    tests = len(re.findall(r"^def test_", source, flags=re.MULTILINE))
    result.assert_outcomes(passed=tests)


@pytest.mark.parametrize(
    ("page", "at_least"),
    [("faults.md", 9), ("migrating-moto.md", 4), ("migrating-stubber.md", 3)],
)
def test_the_docs_have_runnable_recipes(page: str, at_least: int) -> None:
    # The cookbook promises one runnable test per failure, the migration pages runnable
    # "after" code; an edit that breaks the code fences would silently drop them from the
    # run above.
    assert len([p for p in _runnable_blocks() if f"docs/{page}#" in p.id]) >= at_least


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub and MkDocs give a page's headings (outside code blocks)."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_readme_links_into_the_docs_resolve() -> None:
    # mkdocs --strict checks the links inside docs/; the README is not part of the site,
    # and its table of contents is where messages point users.
    readme = ROOT / "README.md"
    links = re.findall(r"\]\((docs/[\w.-]+\.md|)(#[\w-]+|)\)", readme.read_text())
    broken = []
    for path, anchor in links:
        page = ROOT / path if path else readme
        if not page.is_file() or (anchor and anchor[1:] not in _anchors(page)):
            broken.append(path + anchor)
    assert len(links) > 10, "the link pattern no longer matches the README's links"
    assert broken == []


def test_the_fault_cookbook_lists_every_code_a_down_destination_takes() -> None:
    from pytest_firehose._destinations.delivery_errors import ERRORS

    rows = re.findall(
        r"^\| ([^|]+) \| (`[^|]+) \|$", (ROOT / "docs" / "faults.md").read_text(), re.MULTILINE
    )
    listed = {
        name: re.findall(r"`([^`]+)`", codes)
        for names, codes in rows
        if names != "destination"  # the header
        for name in names.split(", ")
    }
    assert listed == {errors.name: list(errors.down) for errors in ERRORS.values()}
