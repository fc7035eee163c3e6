"""What ``firehose.secret(...)`` (and ``POST /_fake/secret``) takes: a secret's name or
ARN as Secrets Manager takes one, and its value as the SecretString GetSecretValue
answers. The rules are ``_services/firehose/secrets.py``'s."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pytest_firehose._arns import partition_of
from pytest_firehose._engine.config import is_region
from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._services.firehose.secrets import ARN, COMPLETE, MAX_VALUE, NAME
from pytest_firehose._terms import terms


def _example(region: str, account_id: str) -> str:
    said = terms()
    arn = f"arn:{partition_of(region)}:secretsmanager:{region}:{account_id}:secret:collector"
    return f"a name such as {said.value('collector')}, or an ARN such as {said.value(arn)}"


def secret_place(
    where: str, name_or_arn: object, region: str, account_id: str, given: str | None
) -> tuple[str, str, str, str | None]:
    """The name, region and account of the secret ``name_or_arn`` names, and its complete
    ARN when it is one (None: the fake makes it); ``region`` and ``account_id`` are a
    name's, ``given`` the region the caller gave. Refused with a :class:`UsageError`
    beginning ``where`` unless Secrets Manager would take it."""
    said = terms()
    example = _example(region, account_id)
    if not isinstance(name_or_arn, str):
        raise UsageError(
            f"{where}: a secret is named by a string, {example}, not {said.value(name_or_arn)}"
        )
    if not name_or_arn.startswith("arn:"):
        if NAME.fullmatch(name_or_arn) is None:
            raise UsageError(
                f"{where}: {cut(name_or_arn, said.value)} is not a name Secrets Manager takes: "
                "1 to 512 ASCII letters, digits and /_+=.@- (or give the secret's ARN), e.g. "
                f"{said.value('collector')}"
            )
        return name_or_arn, region, account_id, None
    match = ARN.fullmatch(name_or_arn)
    if match is None or not is_region(match["region"]):
        raise UsageError(
            f"{where}: {cut(name_or_arn, said.value)} is not a Secrets Manager secret's ARN: "
            "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME (ACCOUNT 12 digits), "
            f"complete (NAME followed by - and six characters) or partial; or give {example}"
        )
    place = match["region"]
    if match["partition"] != partition_of(place):
        raise UsageError(
            f"{where}: {place} is in the partition {partition_of(place)}, so its ARNs begin "
            f"arn:{partition_of(place)}:, not arn:{match['partition']}:"
        )
    if given is not None and given != place:
        other = said.keyword("region", said.value(given))
        raise UsageError(
            f"{where}: the ARN names the region {place}, and {other} another; "
            f"drop {said.name('region')} (an ARN says where its secret lives), or "
            "make them agree"
        )
    complete = COMPLETE.fullmatch(match["tail"])
    name = complete["name"] if complete else match["tail"]
    if NAME.fullmatch(name) is None:
        raise UsageError(
            f"{where}: the ARN's secret name {cut(name, said.value)} is not a name Secrets "
            "Manager takes: 1 to 512 ASCII letters, digits and /_+=.@-"
        )
    return name, place, match["account"], name_or_arn if complete else None


def secret_string(where: str, value: object) -> str:
    """``value`` as the SecretString GetSecretValue answers: text as it is, a mapping as
    JSON. Refused with a :class:`UsageError` beginning ``where`` unless Secrets Manager
    would store it (1 to 65,536 characters)."""
    said = terms()
    shape = said.phrase("a str, or a mapping written as JSON", "a string, or an object")
    example = said.phrase("{'api_key': '...'}", '{"api_key": "..."}')
    if isinstance(value, Mapping):
        try:
            text = json.dumps(dict(value), allow_nan=False)
        except (TypeError, ValueError) as error:
            # Over HTTP the body was JSON already: only Python's NaN and Infinity get here.
            why = said.phrase(str(error), "a number that is not finite has no JSON")
            holds = said.phrase(
                "str, int, float, bool, None, lists, dicts",
                "strings, finite numbers, true, false, null, arrays, objects",
            )
            raise UsageError(
                f"{where}: the secret's value is written as JSON, and this mapping cannot be "
                f"({why}); give values JSON holds ({holds})"
            ) from None
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raise UsageError(
            f"{where}: the secret's value is its SecretString, {shape}, such as {example}; "
            "an HTTP endpoint reads no SecretBinary (create one in moto's Secrets Manager to "
            "see that fail)"
        )
    else:
        raise UsageError(
            f"{where}: the secret's value is its SecretString, {shape}, such as {example}; "
            f"not {cut(value, said.value)}"
        )
    if not 1 <= len(text) <= MAX_VALUE:
        raise UsageError(
            f"{where}: Secrets Manager stores a SecretString of 1 to {MAX_VALUE:,} characters; "
            f"this one has {len(text):,}"
        )
    return text
