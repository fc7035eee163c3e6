"""The JSONPaths file of a Redshift COPY's ``JSON 's3://bucket/key'`` (the developer guide's
"JSONPaths file" and "JSONPath expressions"): read from S3 at each COPY, its expressions
read as Redshift reads them, and each followed through a JSON document to the value of the
column it feeds.

The file is one JSON object whose one name is ``"jsonpaths"``, holding an array of
expressions, one for each column in order; under another name COPY ignores the file and
loads as ``JSON 'auto'`` does. An expression is ``$`` (the whole document), then names in
dot notation (``$.a.b``) or bracket notation (``$['a']['b']``), either with array indexes
(``[0]``); the file may not mix the two notations, nor hold wildcards, filters, slices or
negative indexes. A file COPY cannot use fails the COPY as a whole (``MAXERROR`` does not
apply to it), as does one it cannot read (:class:`JsonPathsFailed`).

It is read with GetObject through a plain botocore client in the stream's Region, so
whatever stands in for S3 in the test answers (moto's ``mock_aws``), as the intermediate
bucket is written. When nothing does, the COPY fails as one whose file cannot be read, and
the fake's own message says how to provide it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pytest_firehose._destinations.service_clients import service_client
from pytest_firehose._errors import UnmockedRequestError

#: A step of an expression: an object's member (its name) or an array's element (its index).
Step = str | int
#: The Firehose delivery errors (developer guide) of a COPY that cannot use its file.
MALFORMED = "Redshift.IncorrectJsonPathsFile"
COLUMN_MISMATCH = "Redshift.ColumnMismatch"
MISSING = "Redshift.MissingS3File"
ACCESS_DENIED = "Redshift.S3BucketAccessDenied"
#: What a path that does not reach an object's member finds: the column is NULL.
NOT_FOUND = object()
#: The load errors of a path that cannot be followed (the second is the developer guide's).
NOT_AN_OBJECT = "Invalid JSONPath format: Member is not an object."
NOT_AN_ARRAY = "Invalid JSONPath format: Not an array or index out of range."
_START_MOTO = "start moto's mock_aws(), create the bucket and put the file in it"
_UNSUPPORTED = {
    "*": "a wildcard",
    "..": "a recursive descent",
    "?": "a filter",
    ":": "a slice",
    "-": "a negative index",
}


class JsonPathsFailed(Exception):
    """A COPY cannot use its JSONPaths file: ``message`` is why (Redshift's words where
    they are on record), ``code`` the Firehose delivery error, ``advice`` what the test can
    do about it (shown by ``str()``)."""

    def __init__(self, message: str, code: str, advice: str = "") -> None:
        super().__init__(message)
        self.message, self.code, self.advice = message, code, advice

    def __str__(self) -> str:
        shown = f"{self.message} ({self.code})"
        return f"{shown} [pytest-firehose: {self.advice}]" if self.advice else shown


class PathNotFollowed(Exception):
    """An expression cannot be followed through a document: ``index`` is the expression's,
    ``reason`` the load error's."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


@dataclass(frozen=True)
class JsonPaths:
    """The expressions of a JSONPaths file, each read into its steps."""

    url: str
    expressions: tuple[str, ...]
    steps: tuple[tuple[Step, ...], ...]

    def check_columns(self, columns: tuple[str, ...] | None) -> None:
        """Raise :class:`JsonPathsFailed` unless there is one expression for each column
        (``DataTableColumns``; without it the fake knows no table's columns)."""
        if columns is not None and len(columns) != len(self.steps):
            raise JsonPathsFailed(
                "Number of jsonpaths and the number of columns should match. JSONPath size: "
                f"{len(self.steps)}, Number of columns in table or column list: {len(columns)}",
                COLUMN_MISMATCH,
            )

    def values(self, document: Any) -> list[Any]:
        """What each expression finds in ``document`` (:data:`NOT_FOUND` for a member it
        does not hold); raises :class:`PathNotFollowed` at the first it cannot follow."""
        return [_follow(document, steps, index) for index, steps in enumerate(self.steps)]


def _follow(document: Any, steps: tuple[Step, ...], index: int) -> Any:
    value = document
    for step in steps:
        if isinstance(step, str):
            if not isinstance(value, dict):
                raise PathNotFollowed(index, NOT_AN_OBJECT)
            if step not in value:
                return NOT_FOUND
            value = value[step]
        else:
            if not isinstance(value, list) or step >= len(value):
                raise PathNotFollowed(index, NOT_AN_ARRAY)
            value = value[step]
    return value


def _unsupported(rest: str) -> str | None:
    for token, what in _UNSUPPORTED.items():
        if token in rest:
            return what
    return None


def compile_path(expression: str) -> tuple[tuple[Step, ...], str | None]:
    """The steps of ``expression`` and its notation (``"dot"``, ``"bracket"``, or None when
    it names no member); raises ValueError saying why Redshift refuses it."""
    if not expression.startswith("$"):
        raise ValueError(f"{expression!r} does not start with $, the document's root")
    steps: list[Step] = []
    notation: str | None = None
    position = 1
    while position < len(expression):
        rest = expression[position:]
        if rest.startswith("['"):
            end = expression.find("']", position + 2)
            if end < 0:
                raise ValueError(f"{expression!r}: a name in brackets is not closed with ']")
            name = expression[position + 2 : end]
            if "'" in name:
                raise ValueError(f"{expression!r}: a name in brackets holds a quotation mark")
            steps.append(name)
            notation = _notation(notation, "bracket", expression)
            position = end + 2
        elif rest.startswith("["):
            end = expression.find("]", position)
            digits = expression[position + 1 : end] if end > 0 else ""
            if not digits.isascii() or not digits.isdigit():
                what = _unsupported(rest[: end + 1] if end > 0 else rest)
                raise ValueError(
                    f"{expression!r}: {what} is not supported"
                    if what
                    else f"{expression!r}: an array index is a whole number of 0 or more in "
                    "brackets, and a name in brackets is in single quotation marks"
                )
            steps.append(int(digits))
            position = end + 1
        elif rest.startswith(".") and not rest.startswith(".."):
            end = position + 1
            while end < len(expression) and expression[end] not in ".[":
                end += 1
            name = expression[position + 1 : end]
            if not name or "'" in name or "]" in name or "*" in name:
                what = _unsupported(name) or "an empty name or one holding ' or ]"
                raise ValueError(f"{expression!r}: {what} is not supported in dot notation")
            steps.append(name)
            notation = _notation(notation, "dot", expression)
            position = end
        else:
            what = _unsupported(rest[:2]) or f"{rest[0]!r} after {expression[:position]!r}"
            raise ValueError(f"{expression!r}: {what} is not supported")
    return tuple(steps), notation


def _notation(held: str | None, found: str, expression: str) -> str:
    if held is not None and held != found:
        raise ValueError(f"{expression!r} mixes bracket notation and dot notation")
    return found


def parse_jsonpaths(url: str, data: bytes) -> JsonPaths | None:
    """The expressions of the file ``url`` holding ``data``; None when its one name is not
    ``"jsonpaths"`` (COPY then loads as ``JSON 'auto'``). Raises :class:`JsonPathsFailed`
    when COPY cannot use it."""

    def refused(reason: str) -> JsonPathsFailed:
        return JsonPathsFailed(f"The jsonpaths file {url} cannot be used: {reason}", MALFORMED)

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise refused("it is not UTF-8 text") from None
    try:
        found, end = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
    except ValueError as error:
        raise refused(f"it is not valid JSON ({getattr(error, 'msg', error)})") from None
    if text[end:].strip():
        raise refused("characters other than white space follow its JSON object")
    if not isinstance(found, dict):
        raise refused(f"it holds a JSON {_kind(found)}, not a single JSON object")
    if len(found) != 1:
        raise refused(f'its object holds {len(found)} names, not the one name "jsonpaths"')
    ((name, expressions),) = found.items()
    if name != "jsonpaths":
        return None
    if not isinstance(expressions, list) or not expressions:
        shown = "an empty array" if expressions == [] else f"a JSON {_kind(expressions)}"
        raise refused(f'"jsonpaths" holds {shown}, not an array of JSONPath expressions')
    steps = []
    notations = set()
    for expression in expressions:
        if not isinstance(expression, str) or not expression:
            shown = '""' if expression == "" else json.dumps(expression)
            raise refused(f"the array element {shown} is not a JSONPath expression")
        try:
            compiled, notation = compile_path(expression)
        except ValueError as error:
            raise refused(f"Invalid JSONPath format: {error}") from None
        steps.append(compiled)
        notations.add(notation)
    if {"dot", "bracket"} <= notations:
        raise refused("its expressions mix bracket notation and dot notation")
    return JsonPaths(url, tuple(expressions), tuple(steps))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"


def split_url(url: str) -> tuple[str, str]:
    """The bucket and key of ``s3://bucket/key`` (either empty when it names none)."""
    bucket, _, key = url[len("s3://") :].partition("/")
    return bucket, key


class JsonPathsFile:
    """The JSONPaths file ``url`` names, read from whatever stands in for S3 in ``region``
    at each COPY (a test may put or change it between COPYs)."""

    def __init__(self, url: str, region: str, contained: Callable[[], bool]) -> None:
        self.url = url
        self.region = region
        #: Whether botocore's requests stay in the process now (see ``destination_for``).
        self._contained = contained
        self._client: Any = None

    def read(self) -> JsonPaths | None:
        """The file's expressions now (None: COPY loads as ``JSON 'auto'``); raises
        :class:`JsonPathsFailed` when it cannot be read or used."""
        return parse_jsonpaths(self.url, self._body())

    def _advice(self, why: str, fix: str) -> str:
        bucket, key = split_url(self.url)
        return (
            f"{why}: {fix} before the COPY, e.g. boto3.client('s3').put_object(Bucket="
            f"{bucket!r}, Key={key!r}, Body=json.dumps({{'jsonpaths': ['$.a', '$.b']}}))"
        )

    def _unreadable(
        self, code: str, message: str, status: int, advice: str = ""
    ) -> JsonPathsFailed:
        """COPY's failure for a file S3 did not hand it, as Redshift words an object it
        cannot read."""
        return JsonPathsFailed(
            f"Problem reading jsonpaths file {self.url} - S3ServiceException:{message},Status "
            f"{status},Error {code}",
            ACCESS_DENIED if code == "AccessDenied" else MISSING,
            advice,
        )

    def _body(self) -> bytes:
        bucket, key = split_url(self.url)
        nothing = (
            "nothing in this test stands in for S3, so the JSONPaths file "
            f"{self.url} (CopyCommand.CopyOptions) cannot be read"
        )
        if not self._contained():  # no fake's interceptor: the request would leave
            raise self._unreadable(
                "NoSuchBucket",
                "The specified bucket does not exist",
                404,
                f"no fake intercepts botocore's requests in this process (the fake has "
                "stopped, or this is `python -m pytest_firehose serve`), so nothing stands in "
                f"for S3 and the JSONPaths file {self.url} cannot be read",
            )
        if self._client is None:
            self._client = service_client("s3", self.region)
        try:
            answer = self._client.get_object(Bucket=bucket, Key=key)
            return bytes(answer["Body"].read())
        except UnmockedRequestError:
            raise self._unreadable(
                "NoSuchBucket",
                "The specified bucket does not exist",
                404,
                self._advice(nothing, _START_MOTO),
            ) from None
        except ClientError as error:
            found = error.response.get("Error", {})
            code = str(found.get("Code", "InternalError"))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
            advice = ""
            if code == "NoSuchKey":
                advice = self._advice(f"the bucket {bucket!r} holds no {key!r}", "put it there")
            elif code == "NoSuchBucket":
                advice = self._advice(
                    f"what stands in for S3 has no bucket {bucket!r}",
                    "create it and put the file in it",
                )
            raise self._unreadable(code, str(found.get("Message", "")), status, advice) from None
        except BotoCoreError as error:
            raise self._unreadable("ServiceUnavailable", str(error), 503) from None
