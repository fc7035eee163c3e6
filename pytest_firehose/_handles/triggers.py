"""The event source mapping of a Kinesis stream (``lambda_trigger``) as a test holds it:
described, updated and deleted as the Lambda API does it. Creation is
``trigger_creation``'s; the checks both share are ``trigger_checks``', what a mapping names
beyond its stream ``trigger_targets``'."""

from __future__ import annotations

import copy
import dataclasses
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pytest_firehose._arns import resource_arn
from pytest_firehose._clock import reached
from pytest_firehose._engine.world import World
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._handles.stream_readers import KinesisReader, default_role
from pytest_firehose._handles.trigger_checks import (
    refuse_true_numbers,
    refuse_unreviewed,
    refused,
)
from pytest_firehose._handles.trigger_targets import (
    NO_SUCH_FUNCTION,
    failure_sender,
    mapped_function,
    mapping_conflict,
)
from pytest_firehose._lambda.context import Function
from pytest_firehose._lambda.functions import FunctionName, UnregisteredFunction
from pytest_firehose._lambda.mapping import EventSourceMapping
from pytest_firehose._lambda.mapping_description import (
    DELETING,
    TRANSITIONS,
    created_state,
    mapping_description,
    settled_state,
    updated_state,
)
from pytest_firehose._lambda.mapping_invocations import Invocation
from pytest_firehose._lambda.mapping_parameters import KNOWN, check_kinesis_parameters
from pytest_firehose._lambda.mapping_settings import MappingSettings, settings_from
from pytest_firehose._services.kinesis.streams import KinesisRecord
from pytest_firehose._wire.shapes import operation_model
from pytest_firehose._wire.validation import unsendable, validate_input, without_nulls

OPERATION_UPDATE = "UpdateEventSourceMapping"


class KinesisTrigger:
    """A Kinesis event source mapping as a test drives it: ``drain()`` runs it until it
    has caught up with the stream; ``invocations``, ``failures`` and ``expired`` tell what
    it did; ``describe()`` shows it as GetEventSourceMapping does; ``update()`` and
    ``delete()`` change it as UpdateEventSourceMapping and DeleteEventSourceMapping do, and
    return their answers; ``creation`` is CreateEventSourceMapping's."""

    def __init__(
        self,
        mapping: EventSourceMapping,
        world: World,
        params: dict[str, Any],
        region: str,
        reader: KinesisReader,
    ) -> None:
        self._mapping = mapping
        self._world = world
        self._reader = reader
        #: The handler the trigger was made with, and the function it stands for (the
        #: mapping may be moved to another function, and back).
        self._own = (mapping.handler, mapping.function)
        #: The mapping's parameters as last created or updated.
        self._params = params
        self._region = region
        #: When the mapping was made, last updated or deleted (its answers' LastModified).
        self._modified_at = world.clock.now()
        #: The passing State of the last change, read until it settles (on the fake clock).
        self._passing = created_state(mapping.settings)
        self._settles_at = mapping.polls_from
        self._creation = self._answer("CreateEventSourceMapping", self._passing)

    @property
    def creation(self) -> dict[str, Any]:
        """CreateEventSourceMapping's answer for the mapping (boto3's parsed answer, without
        ``ResponseMetadata``): as ``describe()`` showed it then, in ``State`` ``Creating``
        (``Disabled`` when made with ``Enabled=False``)."""
        return copy.deepcopy(self._creation)

    def drain(self) -> None:
        """Invoke the handler until every record the stream holds was handed to it or
        given up on, moving the fake clock through retries and batching windows. A
        disabled mapping invokes nothing; a deleted one is a ``UsageError``."""
        self._world.refuse_if_stopped()
        self._mapping.drain()

    def update(self, **params: Any) -> dict[str, Any]:
        """Change the mapping as UpdateEventSourceMapping does (its parameters as boto3
        spells them, ``UUID`` left out): ``Enabled=False`` pauses it, ``BatchSize=``,
        ``DestinationConfig=``, ``FilterCriteria=``, ``ParallelizationFactor=``,
        ``TumblingWindowInSeconds=`` ..., ``FunctionName=`` retune it. The parameters
        apply at once: batches read from now on follow them (docs/lambda.md). Returns
        UpdateEventSourceMapping's answer: the mapping as updated, in ``State``
        ``Enabling`` or ``Disabling`` when ``Enabled`` changed, else ``Updating``, which
        ``describe()`` reads until the update delay has passed on the fake clock."""
        self._world.refuse_if_stopped()
        self._check_live("trigger.update()", OPERATION_UPDATE)
        self._check_settled("trigger.update()", OPERATION_UPDATE)
        given = without_nulls(params)
        if "UUID" in given:
            raise UsageError(
                "trigger.update(UUID=...): the trigger updates its own mapping "
                f"({self.uuid}); leave UUID out."
            )
        request = {"UUID": self.uuid, **given}
        refusal = unsendable("lambda", "UpdateEventSourceMapping", request)
        if refusal is not None:
            raise refusal
        refuse_true_numbers(given, "trigger.update", OPERATION_UPDATE)
        try:
            validate_input("lambda", OPERATION_UPDATE, request)
        except ServiceError as error:
            raise refused(error, "trigger.update", OPERATION_UPDATE) from None
        # After the model's checks, as at creation: Lambda's own come second.
        updatable = operation_model("lambda", OPERATION_UPDATE).input_shape.members
        check_kinesis_parameters(
            given, "trigger.update", set(KNOWN) & set(updatable), OPERATION_UPDATE
        )
        refuse_unreviewed(given, "trigger.update()")
        merged = {**self._params, **given}
        try:
            settings = settings_from(merged)
        except ServiceError as error:
            raise refused(error, "trigger.update", OPERATION_UPDATE) from None
        target = None
        if "FunctionName" in given:
            target = self._function_for(given["FunctionName"])
        sender = self._mapping.send_failure
        if settings.on_failure != self._mapping.settings.on_failure:
            sender = failure_sender(self._world, settings, self._region, self.uuid)
        before = self._mapping.settings
        self._params = merged
        self._modified_at = self._world.clock.now()
        self._passing = updated_state(before, settings)
        self._settles_at = self._modified_at + self._world_update_delay()
        self._mapping.apply(settings, sender, self._settles_at)
        if target is not None:
            self._retarget(*target)
        return self._answer(OPERATION_UPDATE, self._passing)

    def _world_update_delay(self) -> timedelta:
        """How long an update or a deletion takes to settle: the world's update delay, else
        its creation delay, as a Kinesis stream's updates (docs/fidelity.md)."""
        world = self._world
        return world.creation_delay if world.update_delay is None else world.update_delay

    def _check_settled(self, call: str, operation: str) -> None:
        """Refuse a change while the last one is under way (DOC: ResourceInUseException,
        "you tried to update an event source mapping in the CREATING state"); the wording
        is the fake's."""
        state = self._current_state()
        if state in TRANSITIONS:
            raise UsageError(
                f"{call}: {operation} would answer ResourceInUseException: The event source "
                f"mapping {self.uuid} is {state}; try again once it is Enabled or Disabled.\n"
                f"It settles at {self._settles_at.isoformat()} on the fake clock "
                "(the firehose_update_delay and firehose_creation_delay options): advance "
                "the clock or drain() first."
            )

    def _current_state(self) -> str:
        """The State GetEventSourceMapping reads now: the passing one of the last change
        until it settles (a change settled by the latest time the clock showed stays
        settled when a time freezer moves it back)."""
        clock = self._world.clock
        if reached(clock.now(), clock) < self._settles_at:
            return self._passing
        return DELETING if self._mapping.deleted else settled_state(self._mapping.settings)

    def _function_for(
        self, given: str
    ) -> tuple[FunctionName, Callable[[dict[str, Any], Any], Any], Function] | None:
        """The function an update's FunctionName names, with the handler that stands for
        it (``None``: the function the mapping invokes already): the trigger's own or its
        current function under any qualifier, else one registered with
        ``firehose.lambda_function``. Refused, as Lambda refuses it, when no handler stands
        for it, or when it is mapped to the source already."""
        named = mapped_function(
            given, self._region, self._world.account_id, "trigger.update", OPERATION_UPDATE
        )
        if named.arn == self._mapping.invoked_arn:
            return None
        known = ((self._mapping.handler, self._mapping.function), self._own)
        same = (named.account_id, named.name)
        found = next((pair for pair in known if (pair[1].account_id, pair[1].name) == same), None)
        if found is None:
            with self._world.looked():
                registry = self._world.firehose(self._region).functions
                try:
                    registration = registry.resolve(named)
                except UnregisteredFunction:
                    raise UsageError(
                        f"trigger.update(): {OPERATION_UPDATE} would answer "
                        f"{NO_SUCH_FUNCTION.code}: {NO_SUCH_FUNCTION.message}\nNo handler "
                        f"stands for {named.arn}: register it first, as a deployment creates "
                        f"a function before it maps it: firehose.lambda_function({given!r}, "
                        "handler)."
                    ) from None
            found = (registration.handler, registration.function)
        handler, function = found
        function = dataclasses.replace(
            function, name=named.name, account_id=named.account_id, version=named.version
        )
        with self._world.lock:
            existing = self._world.event_source_mappings.get(
                (self._params["EventSourceArn"], named.arn)
            )
            if existing is not None and not existing[1]():
                error = mapping_conflict(self._params["EventSourceArn"], given, existing[0])
                raise refused(error, "trigger.update", OPERATION_UPDATE)
        return named, handler, function

    def _retarget(
        self,
        named: FunctionName,
        handler: Callable[[dict[str, Any], Any], Any],
        function: Function,
    ) -> None:
        """Move the mapping to ``function``: its claim on the source, its invocations, and
        the role its events name (the new function's own)."""
        source_arn = self._params["EventSourceArn"]
        with self._world.lock:
            claims = self._world.event_source_mappings
            claim = claims.get((source_arn, self._mapping.invoked_arn))
            if claim is not None and claim[0] == self.uuid:  # not a trigger's made since
                del claims[source_arn, self._mapping.invoked_arn]
                claims[source_arn, named.arn] = claim
        role = default_role(self._region, named.account_id, named.name)
        self._reader.source = dataclasses.replace(self._reader.source, role_arn=role)
        self._mapping.retarget(handler, function, named.arn)

    def delete(self) -> dict[str, Any]:
        """Remove the mapping as DeleteEventSourceMapping does: it reads nothing more
        (``drain()`` is then a ``UsageError``), ``invocations`` and ``failures`` stay
        readable, and the function may be mapped to the stream again once the mapping is
        gone (while it is ``Deleting``, a new mapping of it is a ``ResourceConflictException``).
        Returns DeleteEventSourceMapping's answer: the mapping in ``State`` ``Deleting``."""
        self._world.refuse_if_stopped()
        self._check_live("trigger.delete()", "DeleteEventSourceMapping")
        self._check_settled("trigger.delete()", "DeleteEventSourceMapping")
        self._modified_at = self._world.clock.now()
        self._passing = DELETING
        self._settles_at = self._modified_at + self._world_update_delay()
        answer = self._answer("DeleteEventSourceMapping", DELETING)
        self._mapping.deleted = True
        clock, settles_at, gone = self._world.clock, self._settles_at, self._reader.gone

        def released() -> bool:
            return gone() or reached(clock.now(), clock) >= settles_at

        with self._world.lock:
            claims = self._world.event_source_mappings
            for key, (uuid, _) in list(claims.items()):
                if uuid == self.uuid:  # held while Deleting (docs/fidelity.md)
                    claims[key] = (uuid, released)
        return answer

    @property
    def state(self) -> str:
        """GetEventSourceMapping's ``State``: ``"Enabled"`` or ``"Disabled"``, or the passing
        state of a change (``"Creating"``, ``"Enabling"``, ``"Updating"``, ``"Disabling"``,
        ``"Deleting"``) until it settles on the fake clock (at once, unless the creation or
        update delay is set)."""
        self._check_live("trigger.state", "GetEventSourceMapping")
        return self._current_state()

    def describe(self) -> dict[str, Any]:
        """The mapping as GetEventSourceMapping answers (boto3's parsed answer, without
        ``ResponseMetadata``): its settings with Lambda's defaults, ``State``,
        ``LastProcessingResult`` after the last invocation, ``LastModified`` ... with the
        members the installed botocore's model has."""
        self._check_live("trigger.describe()", "GetEventSourceMapping")
        return self._answer("GetEventSourceMapping", self._current_state())

    def _answer(self, operation: str, state: str) -> dict[str, Any]:
        """The mapping as ``operation`` answers for it (each answers with the same members,
        in its own ``state``), with the members the installed botocore's model has."""
        output = operation_model("lambda", operation).output_shape
        return mapping_description(
            self._params,
            self._mapping.settings,
            state=state,
            uuid=self.uuid,
            arn=resource_arn(
                "lambda", self._region, self._world.account_id, f"event-source-mapping:{self.uuid}"
            ),
            function_arn=self._mapping.invoked_arn,
            modified_at=self._modified_at,
            invocations=self._mapping.invocations,
            members=output.members if output is not None else (),
        )

    def _check_live(self, call: str, operation: str) -> None:
        clock = self._world.clock
        if self._mapping.deleted and reached(clock.now(), clock) >= self._settles_at:
            # REAL wording and 404 (LocalStack's AWS-validated snapshot, 2025).
            raise UsageError(
                f"{call}: event source mapping {self.uuid} was deleted "
                f"(trigger.delete()); {operation} would answer ResourceNotFoundException: "
                "The resource you requested does not exist. Make a new lambda_trigger."
            )

    @property
    def invocations(self) -> list[Invocation]:
        """Every call of the handler, in order: ``.event``, ``.records`` (payloads),
        ``.answer`` (as Lambda's response carries it: JSON read back), ``.error`` (what it
        raised, or a ``FunctionTimeout``), ``.at`` (fake time), ``.shard_id``,
        ``.request_id``."""
        return list(self._mapping.invocations)

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The invocation records the mapping wrote when it gave up on records, as an SQS
        or SNS on-failure destination receives them (JSON objects; an S3 bucket's object
        adds the batch's event as ``payload``)."""
        return list(self._mapping.failures)

    @property
    def expired(self) -> list[KinesisRecord]:
        """Records that retention trimmed before the mapping handed them over."""
        return [record for record in self._mapping.expired if isinstance(record, KinesisRecord)]

    @property
    def filtered(self) -> list[KinesisRecord]:
        """Records FilterCriteria kept from the handler (processed, never invoked with)."""
        return [record for record in self._mapping.filtered if isinstance(record, KinesisRecord)]

    @property
    def uuid(self) -> str:
        """The mapping's identifier, as CreateEventSourceMapping answers it (its S3
        on-failure destination's object keys hold it)."""
        return self._mapping.uuid

    @property
    def settings(self) -> MappingSettings:
        """The mapping's parameters as they stand after the last update (``batch_size``,
        ``parallelization``, ``tumbling_window`` ...), as GetEventSourceMapping shows them
        once an update has applied."""
        return self._mapping.settings

    @property
    def _function(self) -> Function:
        return self._mapping.function

    def __repr__(self) -> str:
        return f"<KinesisTrigger {self._function.name!r}, {len(self.invocations)} invocations>"

    def _failure_note(self) -> str | None:
        """A failed test's report line when the handler failed: how many invocations did,
        and the last one's error with the line that raised it; None when none failed."""
        invocations = self.invocations
        failed = [invocation.error for invocation in invocations if invocation.error]
        if not failed:
            return None
        last = failed[-1]
        where = traceback.extract_tb(last.__traceback__)[-1:] if last.__traceback__ else []
        raised = f" (at {where[0].filename}:{where[0].lineno})" if where else ""
        return (
            f"  {self!r}: {len(failed)} of {len(invocations)} failed; the last: "
            f"{type(last).__name__}: {last}{raised}"
        )
