"""What a Kinesis event source mapping names beyond its stream, at creation and update
alike: the function it invokes (``FunctionName`` read as Lambda reads it), the one mapping a
function may have per source, and where it sends the records it gives up on."""

from __future__ import annotations

import re

from pytest_firehose._arns import partition_of
from pytest_firehose._engine.world import World
from pytest_firehose._errors import ServiceError
from pytest_firehose._handles.failure_destinations import FailureDestination
from pytest_firehose._handles.trigger_checks import refused
from pytest_firehose._lambda.functions import FunctionName
from pytest_firehose._lambda.mapping_settings import MappingSettings, invalid

#: CreateEventSourceMapping's FunctionName, as its API model's pattern spells it.
_FUNCTION = re.compile(
    r"(?:arn:(?P<partition>(?:aws[a-zA-Z-]*)?):lambda:)?(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-[a-z]+)+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)


#: Lambda's answer to a mapping of a function that does not exist (REAL wording and 400:
#: LocalStack's AWS-validated test_event_source_mapping_exceptions snapshot).
NO_SUCH_FUNCTION = invalid("Function does not exist")


def mapping_conflict(source_arn: str, given: str, uuid: str) -> ServiceError:
    """Lambda's answer to a second mapping of one function and event source (REAL wording
    and 409, LocalStack's AWS-validated snapshot, 2025), ``given`` the FunctionName as
    given."""
    return ServiceError(
        "ResourceConflictException",
        f'The event source arn (" {source_arn} ") and function (" {given} ") provided '
        f"mapping already exists. Please update or delete the existing mapping with UUID "
        f"{uuid}",
        409,
    )


def mapped_function(
    given: str,
    region: str,
    account_id: str,
    call: str = "lambda_trigger",
    operation: str = "CreateEventSourceMapping",
) -> FunctionName:
    """The function FunctionName names (already valid against the API model: a name, a
    partial or full ARN, each with a version or alias or not); the parts it leaves out are
    the stream's region and account. Refuse a function of another region, as Lambda does
    (docs/fidelity.md)."""
    match = _FUNCTION.fullmatch(given)
    assert match is not None, "the API model's pattern admitted it"
    function = FunctionName(
        match["name"],
        match["region"] or region,
        match["account"] or account_id,
        match["qualifier"],
    )
    if function.region != region:
        # REAL wording, as a user reported it (pmuens/serverless-kinesis-streams#1, 2016).
        raise refused(
            invalid(f"Event source region must match Lambda region {function.region}."),
            call,
            operation,
        )
    if match["partition"] is not None and match["partition"] != partition_of(region):
        # No function lives under another partition's ARN in this region (docs/fidelity.md).
        raise refused(NO_SUCH_FUNCTION, call, operation)
    return function


def failure_sender(
    world: World, settings: MappingSettings, region: str, uuid: str
) -> FailureDestination | None:
    """Where the mapping sends the invocation records it writes, if anywhere."""
    if settings.on_failure is None:
        return None
    return FailureDestination(
        settings.on_failure,
        world.contained,
        region=region,
        mapping_uuid=uuid,
        new_uuid=world.ids.uuid,
    )
