"""A document's field names as OpenSearch reads them: a dotted name is a path of objects
(``"a.b": 1`` is ``{"a": {"b": 1}}``), and a name no path can be made of fails the
document.

Facts (OpenSearch's source: ``DocumentParser.splitAndValidatePath``): the name is split
at each dot as Java's ``String.split`` does (trailing empty parts dropped); an empty name,
one of dots only, an empty or blank part each fail with ``failed to parse`` caused by an
``illegal_argument_exception`` naming why.
"""

from __future__ import annotations

from pytest_firehose._destinations.index_mapping import MappingError


def split_path(name: str) -> tuple[str, ...]:
    """A field name's path (OpenSearch's ``splitAndValidatePath``), Java's ``split``
    dropping trailing empty parts; refused as OpenSearch refuses it."""
    if "." not in name:
        if not name:
            raise _failed_to_parse("field name cannot be an empty string")
        return (name,)
    parts = name.split(".")
    while parts and parts[-1] == "":
        parts.pop()
    if not parts:
        raise _failed_to_parse("field name cannot contain only the character [.]")
    for part in parts:
        if not part.strip():
            if part:
                raise _failed_to_parse(f"object field cannot contain only whitespace: ['{name}']")
            raise _failed_to_parse(
                "object field starting or ending with a [.] makes object resolution "
                f"ambiguous: [{name}]"
            )
    return tuple(parts)


def _failed_to_parse(reason: str) -> MappingError:
    return MappingError(
        "mapper_parsing_exception", "failed to parse", ("illegal_argument_exception", reason)
    )
