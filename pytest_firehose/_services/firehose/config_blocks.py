"""The blocks of a destination's configuration that a rule checks wherever they are: the
destination's own, its ``S3Configuration``'s, its backup's (``logging_rules``,
``encryption_rules``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def blocks_named(config: Any, name: str) -> Iterator[Any]:
    """Every value held under the key ``name`` in ``config`` (a destination, as stored), at
    any depth, outer ones first; what such a block holds is not searched."""
    if isinstance(config, list):
        for item in config:
            yield from blocks_named(item, name)
    elif isinstance(config, dict):
        if name in config:
            yield config[name]
        for key, value in config.items():
            if key != name:
                yield from blocks_named(value, name)
