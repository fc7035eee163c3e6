"""Every test written in the README and docs/ runs, through the plugin, as a user's would."""

from __future__ import annotations

import re
from pathlib import Path

# The documented tests run in this process (pytester), which forgets the modules each run
# imports. Libraries they use are imported here first, so every run shares one copy of
# them (requests, for one, breaks when half of it is imported twice; aiobotocore's endpoint
# must be the one the fake patches).
import aioboto3  # noqa: F401
import aiobotocore.endpoint  # noqa: F401
import freezegun  # noqa: F401
import moto  # noqa: F401
import pytest
import requests  # noqa: F401
import responses  # noqa: F401

ROOT = Path(__file__).parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _runnable_blocks() -> list[pytest.param]:
    params = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, block in enumerate(BLOCK.findall(page.read_text()), 1):
            if "def test_" in block:
                name = f"{page.relative_to(ROOT)}#{number}"
                params.append(pytest.param(block, id=name))
    return params


@pytest.mark.parametrize("source", _runnable_blocks())
def test_documented_tests_pass(pytester: pytest.Pytester, source: str) -> None:
    pytester.makepyfile(test_documented=source)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    tests = len(re.findall(r"^def test_", source, flags=re.MULTILINE))
    result.assert_outcomes(passed=tests)


def test_the_docs_have_runnable_recipes() -> None:
    # The cookbook promises one runnable test per failure; an edit that breaks the code
    # fences would silently drop them from the run above.
    assert len([p for p in _runnable_blocks() if "faults.md" in p.id]) >= 9
