"""``POST /_fake/channel``: a Kinesis channel made ``FAILED`` over HTTP, as
``kinesis[name].channels[i].fail(reason=...)`` makes it. A FAILED channel does not
recover, so there is no way back: DeleteChannel it and create it again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import ControlError, Json, refusals, text_field
from pytest_firehose._doors.control_views import channel_json
from pytest_firehose._terms import json_term

if TYPE_CHECKING:
    from pytest_firehose._handles.kinesis import KinesisHandle

#: A body the route takes, for messages.
EXAMPLE = '{"channel": "clicks-to-s3", "fail": true, "reason": "..."}'


def fail_channel(kinesis: KinesisHandle, body: dict[str, Json], region: str | None) -> Json:
    """Fail the channel ``body["channel"]`` names (in ``region``, or in whichever region
    holds the only channel of that name), with ``body["reason"]`` when given; the channel
    as it then stands, with its stream's name."""
    name = text_field(body, "channel", EXAMPLE)
    if body.get("fail") is not True:
        raise ControlError(
            400,
            f'give "fail": true, e.g. {EXAMPLE}: a channel is made FAILED and does not '
            f"recover (DeleteChannel it and create it again); got {json_term(body.get('fail'))}",
        )
    found = [
        (stream, channel)
        for stream in kinesis
        if region in (None, stream.region) and not stream.deleted
        for channel in stream.channels
        if channel.name == name
    ]
    where = f" in {region}" if region is not None else ""
    if not found:
        raise ControlError(404, f"no Kinesis channel {json_term(name)}{where}")
    if len(found) > 1:
        regions = ", ".join(sorted(stream.region for stream, _ in found))
        raise ControlError(
            400,
            f"Kinesis channel {json_term(name)} exists in several regions ({regions}): name "
            'one with "region" in the body',
        )
    stream, channel = found[0]
    with refusals("POST /_fake/channel"):
        channel.fail(body.get("reason"))
        # Another client may have deleted it since: then it is shown as it was before.
        now = next((shown for shown in stream.channels if shown.arn == channel.arn), channel)
    return {"stream": stream.name, **channel_json(now)}
