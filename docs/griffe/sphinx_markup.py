"""A griffe extension for the API reference page: the package's docstrings are written in
reST's inline markup (``:class:`UsageError```, ``example::``), which mkdocstrings would show
as it stands; this turns the little of it they use into Markdown.

The docs build loads it (mkdocs.yml's mkdocstrings options); the package never imports it.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

#: ``:class:`~pkg.Name``` and its kin: the name as code.
ROLE = re.compile(r":(?:class|meth|func|attr|exc|mod|data|obj):`~?([^`]+)`")
#: A line that is only ``::``, which announces a literal block; Markdown needs only the indent.
ALONE = re.compile(r"^[ \t]*::[ \t]*$", re.MULTILINE)
#: ``text::`` at the end of a line reads ``text:`` before its literal block.
TRAILING = re.compile(r"(\S)::[ \t]*$", re.MULTILINE)


def markdown(text: str) -> str:
    """The docstring ``text`` with its reST roles and literal-block markers in Markdown."""
    text = ROLE.sub(r"`\1`", text)
    text = ALONE.sub("", text)
    return TRAILING.sub(r"\1:", text)


class SphinxMarkup(griffe.Extension):
    """Rewrites each docstring as griffe reads it, before mkdocstrings renders it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
