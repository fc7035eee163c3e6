"""Kinesis stream tags, by stream name (AddTagsToStream, RemoveTagsFromStream,
ListTagsForStream) and by ARN (TagResource, UntagResource, ListTagsForResource): one set of
tags per stream, with the same rules either way. A mixin of ``KinesisService``.

Facts used here (MOCK: kinesalite's addTagsToStream and removeTagsFromStream tests, run
against AWS; the front end already checks the model's lengths and counts):

* A key or value with a character outside Unicode letters, digits, white space and
  ``_ . / = + - % @`` is refused with ``InvalidArgumentException`` ``Some tags contain
  invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - %
  @.``; one with ``%`` (listed there, yet refused) with ``Failed to add tags to stream S
  under account A because some tags contained illegal characters. The allowed characters
  are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.`` (``remove tags from``
  for RemoveTagsFromStream).
* A stream holds at most 50 tags; past that: ``Failed to add tags to stream S under
  account A because a given stream cannot have more than 10 tags associated with it.``
  (the text kept saying 10 after the limit became 50).

A consumer's ARN, a queue's and a channel's, names its own set of tags for the by-ARN
operations (as for RegisterStreamConsumer's, CreateQueue's and CreateChannel's ``Tags``).

Choices (INFERRED; docs/kinesis.md lists them): the by-ARN operations, CreateStream's and
RegisterStreamConsumer's ``Tags`` apply the same rules and messages; an ARN of a consumer
that is not registered is the consumer's not-found error, and a stream of another account
or region is not found. A consumer's, a queue's and a channel's refusals say ``consumer``,
``queue`` and ``channel`` where a stream's say ``stream``, with the name of the consumer,
queue or channel, and their tag limit names the 50 the API reference documents for any
Kinesis resource (no refusal of theirs is on record; the stream's ``10`` is that message's
own history).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pytest_firehose._errors import ServiceError
from pytest_firehose._services.base import tag_page
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.consumers import Consumer
from pytest_firehose._services.kinesis.streams import KinesisStream

MAX_TAGS = 50
if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.channel_state import Channel
    from pytest_firehose._services.kinesis.queue_records import Queue

    #: What carries tags.
    _Tagged = KinesisStream | Consumer | Queue | Channel


@functools.cache
def _invalid() -> re.Pattern[str]:
    """What the tag check lets through: letters from U+00C0 on (kinesalite's measured
    ranges), ASCII letters, digits and ``_``, white space as a plain space, and
    ``. / - = + @ %``. Compiled at the first tag (its ranges take milliseconds)."""
    return re.compile(r"[^\u00C0-\u1FFF\u2C00-\uD7FFA-Za-z0-9_./\-=+ @%]")


_INVALID_CHARACTERS = (
    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
    "space, _ . / = + - % @."
)
_ILLEGAL_TAIL = (
    "because some tags contained illegal characters. The allowed characters are Unicode "
    "letters, white-spaces, '_',',','/','=','+','-','@'."
)


def _kind(tagged: _Tagged) -> str:
    """What a refusal calls ``tagged``: a consumer, a queue, a channel, else a stream."""
    if isinstance(tagged, Consumer):
        return "consumer"
    if isinstance(tagged, KinesisStream):
        return "stream"
    # The first queue imported queue_records.py, the first channel channel_state.py.
    from pytest_firehose._services.kinesis.queue_records import Queue

    return "queue" if isinstance(tagged, Queue) else "channel"


class Tagging:
    """The six tag operations of ``KinesisService``."""

    account_id: str
    streams: dict[str, KinesisStream]
    _stream: Callable[[dict[str, Any]], KinesisStream]
    _not_found: Callable[[str], ServiceError]
    consumer_by_arn: Callable[[str], Consumer]
    queues: Registry[Queue]
    channels: Registry[Channel]

    # ------------------------------------------------------------------ rules

    def check_tag_text(
        self, name: str, texts: Iterable[str], verb: str, kind: str = "stream"
    ) -> None:
        """Refuse keys or values with characters AWS refuses; ``verb`` is ``add tags to``
        or ``remove tags from``, as the ``%`` message words it, and ``kind`` what ``name``
        names (``stream``, ``consumer``, ``queue``, ``channel``)."""
        texts = list(texts)
        invalid = _invalid().search
        if any(invalid(text) for text in texts):
            raise ServiceError("InvalidArgumentException", _INVALID_CHARACTERS)
        if any("%" in text for text in texts):
            raise ServiceError(
                "InvalidArgumentException",
                f"Failed to {verb} {kind} {name} under account {self.account_id} {_ILLEGAL_TAIL}",
            )

    def check_new_tags(
        self, name: str, held: dict[str, str], tags: dict[str, str], kind: str
    ) -> None:
        """Refuse ``tags`` for a stream (a consumer, a queue, a channel: ``kind``) holding
        ``held`` if a rule says no."""
        self.check_tag_text(name, [*tags, *tags.values()], "add tags to", kind)
        if len(held.keys() | tags.keys()) > MAX_TAGS:
            # The stream's text, captured, still says 10 since the limit became 50.
            limit = 10 if kind == "stream" else MAX_TAGS
            raise ServiceError(
                "InvalidArgumentException",
                f"Failed to add tags to {kind} {name} under account {self.account_id} "
                f"because a given {kind} cannot have more than {limit} tags associated with it.",
            )

    def _tag(self, tagged: _Tagged, tags: dict[str, str]) -> None:
        self.check_new_tags(tagged.name, tagged.tags, tags, _kind(tagged))
        tagged.tags.update(tags)

    def _untag(self, tagged: _Tagged, keys: list[str]) -> None:
        self.check_tag_text(tagged.name, keys, "remove tags from", _kind(tagged))
        for key in keys:
            tagged.tags.pop(key, None)

    def _resource(self, params: dict[str, Any]) -> _Tagged:
        """The stream, the consumer, the queue or the channel a ResourceARN names."""
        arn = str(params["ResourceARN"])
        if ":queue/" in arn:
            return self.queues.get(arn)
        if ":channel/" in arn:
            return self.channels.get(arn)
        name = arn.partition(":stream/")[2]
        if "/consumer/" in name:
            return self.consumer_by_arn(arn)
        stream = self.streams.get(name)
        if stream is None or stream.arn != arn:
            raise self._not_found(name or arn)
        return stream

    # ------------------------------------------------------------------ by stream name

    def add_tags_to_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        self._tag(self._stream(params), params["Tags"])
        return {}

    def remove_tags_from_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        self._untag(self._stream(params), params["TagKeys"])
        return {}

    def list_tags_for_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        return tag_page(self._stream(params).tags, params)

    # ------------------------------------------------------------------ by ARN

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self._tag(self._resource(params), params["Tags"])
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self._untag(self._resource(params), params["TagKeys"])
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every tag, in key order (the operation does not page)."""
        tags = self._resource(params).tags
        return {"Tags": [{"Key": key, "Value": tags[key]} for key in sorted(tags)]}
