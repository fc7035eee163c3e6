"""What a test switches on a delivery stream's destination: down and up again, the error
a down destination names, and single records it refuses (``DeliveryStreamHandle``'s)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pytest_firehose._destinations.base import DeliveryFailed, Refusal, Refusing
from pytest_firehose._destinations.delivery_errors import ERRORS, REFUSING, DestinationErrors
from pytest_firehose._errors import UsageError
from pytest_firehose._terms import cannot_take, terms

if TYPE_CHECKING:
    from pytest_firehose._destinations.pipeline import Delivery
    from pytest_firehose._engine.world import World
    from pytest_firehose._services.firehose.streams import DeliveryStream


def _documented(codes: dict[str, str], code: str, what: str) -> str:
    """The message of ``code`` among ``codes``; a UsageError listing them if it is not one."""
    if not isinstance(code, str) or code not in codes:
        raise UsageError(
            f"{terms().value(code)} is not a documented {what} error; use one of: "
            f"{', '.join(codes)}"
        )
    return codes[code]


class DestinationSwitches:
    """The destination switches of a delivery stream's handle."""

    _world: World
    _stream: DeliveryStream
    _delivery: Delivery
    _live: Callable[[str], None]

    def destination_down(self, *, error: str | None = None) -> None:
        """Make the destination unreachable: deliveries fail and are retried, and records
        still undelivered 24 hours after they arrived (read from Kinesis: the source
        stream's retention period after they arrived there) expire.

        ``error``: for a destination the fake stores (OpenSearch, Splunk, Snowflake,
        Iceberg), the error code, one documented for that destination, that the records
        it gives up on name instead of its default (``"Splunk.InvalidToken"``, ``"503"``
        ...); for Redshift, the code its failed COPYs name (``"Redshift.TableNotFound"``
        ...; by default ``"Redshift.ConnectionFailed"``)."""
        self._live("destination")
        with self._world.touched():
            failure = None
            if error is not None:
                errors = self._errors(terms().call("destination_down(error=...)"))
                message = _documented(errors.down, error, f"{errors.name} delivery")
                failure = DeliveryFailed(message, error)
            self._delivery.destination_up = False
            self._delivery.down_failure = failure

    def destination_up(self) -> None:
        """Make the destination reachable again; waiting deliveries go at their next retry
        (or at once, on ``flush()``)."""
        self._live("destination")
        with self._world.touched():
            self._delivery.destination_up = True
            self._delivery.down_failure = None

    def destination_refuses(
        self, refuses: Callable[[bytes], bool], *, error: str | None = None
    ) -> None:
        """Make the destination refuse the records (OpenSearch documents, Snowflake rows)
        ``refuses`` picks: it is called with each record as delivered (after any
        transformation) at each attempt, and those it answers true for fail with
        ``error``, a code documented for the destination (by default ``"400"`` on
        OpenSearch, ``"Snowflake.InvalidColumns"`` on Snowflake), while the rest of the
        batch is delivered. Documents refused with ``"429"`` are retried within
        ``RetryOptions``, other refused documents and refused rows are not (each record by
        its own code); then they are written to the ``S3Configuration`` bucket and listed in
        ``backed_up``. Replaces what an earlier call set; ``destination_accepts()`` ends
        it, as does an UpdateDestination to another destination type (as it does
        ``destination_down``'s ``error``)."""
        if not callable(refuses):
            given = terms().kind(type(refuses))
            raise UsageError(
                f"destination_refuses takes a function of a record's bytes, not {given}: "
                "destination_refuses(lambda record: b'bad' in record)"
            )
        signature = cannot_take(refuses, b"")
        if signature is not None:
            # It was taken, and every delivery raised TypeError, retried as a failed attempt.
            raise UsageError(
                f"destination_refuses: the predicate {getattr(refuses, '__name__', refuses)}"
                f"{signature} is called with one record's bytes and returns whether the "
                "destination refuses it: destination_refuses(lambda record: b'bad' in record)"
            )
        self._live("destination")
        with self._world.touched():
            said = terms()
            errors = self._errors(said.call("destination_refuses"))
            if not errors.refusals:
                glue_table = said.phrase("firehose.glue_table", "POST /_fake/glue")
                alone = f"; {errors.alone.format(glue_table=glue_table)}" if errors.alone else ""
                down = said.phrase("destination_down()", '"up": false')
                raise UsageError(
                    f"{said.call('destination_refuses')}: {errors.name} refusing single records "
                    f"is not on record; these destinations have such refusals: {REFUSING} "
                    f"({down} fails whole deliveries{alone})"
                )
            code = next(iter(errors.refusals)) if error is None else error
            message = _documented(errors.refusals, code, f"{errors.name} refusal")
            refusal = Refusal(code, message, code in errors.retried_refusals)
            self._delivery.refusing = Refusing(refuses, refusal)

    def destination_accepts(self) -> None:
        """End ``destination_refuses``: the destination takes every record again, those
        waiting for a retry too."""
        self._live("destination")
        with self._world.touched():
            self._delivery.refusing = None

    @property
    def destination_switches(self) -> dict[str, str | bool | None]:
        """How the switches stand: ``up`` (False from ``destination_down()`` until
        ``destination_up()``), ``error`` (the code ``destination_down(error=...)`` named,
        else None) and ``refusing`` (the code ``destination_refuses`` refuses records
        with, else None)."""
        self._live("destination")
        with self._world.looked():
            down, refusing = self._delivery.down_failure, self._delivery.refusing
            return {
                "up": self._delivery.destination_up,
                "error": down.code if down is not None else None,
                "refusing": refusing.refusal.code if refusing is not None else None,
            }

    def _errors(self, what: str) -> DestinationErrors:
        """The errors of the stream's destination, when they are scripted for it."""
        errors = ERRORS.get(getattr(self._delivery.destination, "kind", None) or "")
        if errors is None:
            scripted = ", ".join(known.name for known in ERRORS.values())
            raise UsageError(
                f"{what}: the errors a destination names are scripted for the destinations "
                f"the fake stores and for Redshift ({scripted}); "
                f"{terms().value(self._stream.name)} does not deliver to one "
                "(an HTTP endpoint's errors come from its answers, S3's from S3)"
            )
        return errors
