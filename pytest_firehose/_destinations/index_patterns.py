"""OpenSearch's simple match, the one pattern language of the fake's index mappings: the
index patterns of index templates (``firehose.opensearch_index`` with a pattern) and a
dynamic template's ``match``, ``unmatch``, ``path_match`` and ``path_unmatch``.

Facts (OpenSearch's source: ``Regex.simpleMatch``, ``MetadataIndexTemplateService``
``findV2Template``, ``findConflictingV2Templates`` and ``validate``):

- ``*`` is any run of characters (none too); every other character, ``?`` and ``[``
  included, stands for itself; the match is case-sensitive and covers the whole name;
- two index templates overlap when some index name matches a pattern of each (OpenSearch
  intersects their automatons);
- an index template's pattern may not hold a space, ``,``, ``#``, ``:``, nor ``\\ / ? " <
  > |``, nor start with ``_``;
- an index's name (``MetadataCreateIndexService.validateIndexName``) may not hold those
  nor ``*``, be empty, start with ``_``, ``-`` or ``+``, be longer than 255 bytes in
  UTF-8, be ``.`` or ``..``, nor hold upper case: each refused with
  ``invalid_index_name_exception`` ``Invalid index name [NAME], REASON``.
"""

from __future__ import annotations

import functools
import re

#: ``Strings.INVALID_FILENAME_CHARS`` as OpenSearch prints the set (its HashSet's order).
INVALID_FILENAME_CHARS = '[ , ", *, \\, <, |, ,, >, /, ?]'
#: ``MetadataCreateIndexService.MAX_INDEX_NAME_BYTES``.
MAX_INDEX_NAME_BYTES = 255


@functools.lru_cache(maxsize=256)
def simple(pattern: str) -> re.Pattern[str]:
    """``pattern`` under OpenSearch's simple match, as a regular expression to
    ``fullmatch``."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def simple_match(pattern: str, name: str) -> bool:
    """Whether ``name`` matches ``pattern`` (OpenSearch's ``Regex.simpleMatch``)."""
    return simple(pattern).fullmatch(name) is not None


def overlap(first: str, second: str) -> bool:
    """Whether some name matches both simple patterns."""
    # The two patterns read one name side by side: (i, j) is how far each has read.
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(first) and j == len(second):
            return True
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a == "*":
            todo.append((i + 1, j))  # the star takes no more characters
        if b == "*":
            todo.append((i, j + 1))
        if a is None or b is None:
            continue
        if a == "*" and b != "*":
            todo.append((i, j + 1))  # the star takes the other's character
        elif b == "*" and a != "*":
            todo.append((i + 1, j))
        elif a == b:
            todo.append((i + 1, j + 1))
    return False


def pattern_errors(pattern: str) -> list[str]:
    """What OpenSearch's validation says of ``pattern`` as an index template's pattern,
    in its words (none: it takes it)."""
    errors = []
    if " " in pattern:
        errors.append(f"index_patterns [{pattern}] must not contain a space")
    for char in ",#:":
        if char in pattern:
            errors.append(f"index_pattern [{pattern}] must not contain a '{char}'")
    if pattern.startswith("_"):
        errors.append(f"index_pattern [{pattern}] must not start with '_'")
    if any(char in pattern for char in '\\/?"<>| ,'):
        errors.append(
            f"index_pattern [{pattern}] must not contain the following characters "
            f"{INVALID_FILENAME_CHARS}"
        )
    return errors


def index_name_error(name: str) -> str | None:
    """Why OpenSearch refuses to create an index named ``name``, as the reason of its
    ``invalid_index_name_exception`` (``validateIndexName``, its checks in its order);
    None when it takes the name."""
    if any(char in name for char in '\\/*?"<>| ,'):
        said = f"must not contain the following characters {INVALID_FILENAME_CHARS}"
    elif not name:
        said = "must not be empty"
    elif "#" in name or ":" in name:
        said = f"must not contain '{'#' if '#' in name else ':'}'"
    elif name[0] in "_-+":
        said = "must not start with '_', '-', or '+'"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_INDEX_NAME_BYTES:
        size = len(name.encode("utf-8", "surrogatepass"))
        said = f"index name is too long, ({size} > {MAX_INDEX_NAME_BYTES})"
    elif name in (".", ".."):
        said = "must not be '.' or '..'"
    elif name.lower() != name:
        said = "must be lowercase"
    else:
        return None
    return f"Invalid index name [{name}], {said}"
