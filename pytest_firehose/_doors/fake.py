"""``FirehoseFake``: the fake world, installed in botocore's HTTP layer for a ``with`` block."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from types import TracebackType
from typing import Protocol

from pytest_firehose._clock import FakeClock
from pytest_firehose._doors.after_import import AfterImport
from pytest_firehose._doors.botocore import PASS, BotocorePatch, Router, interceptor_installed
from pytest_firehose._doors.child_guard import ENV as GUARD_ENV
from pytest_firehose._doors.environment import fake_environment
from pytest_firehose._doors.freeze import FrozenTime, Start, freezer_for
from pytest_firehose._engine.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, WorldConfig
from pytest_firehose._engine.world import World
from pytest_firehose._errors import UnmockedRequestError, UsageError
from pytest_firehose._handles.assertions import call_log
from pytest_firehose._handles.delivery_stream import errors_note
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle
from pytest_firehose._loopback import address_of, is_loopback
from pytest_firehose._wire.codec import HttpRequest, HttpResponse
from pytest_firehose._wire.front import MAX_BODY, passing, too_large
from pytest_firehose._wire.routing import route_of, service_of


def _loopback_port(endpoint: str) -> int:
    parts = address_of(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.port is None or not is_loopback(parts.host):
        raise UsageError(
            f"{endpoint!r} is not a loopback URL with a port, such as http://127.0.0.1:4573; "
            "nothing in a test may reach the network"
        )
    return parts.port


def _freeze_start(freeze_time: object) -> Start | None:
    """Where frozen-time mode starts (``None``: at the fake clock's time), checked now."""
    if freeze_time is True or freeze_time is False:
        return None
    if freeze_time is None:  # freezegun would read it as now, and the mode would be on
        raise UsageError(
            "freeze_time is True, False or where frozen time starts (a datetime, or a string "
            "such as '2030-01-01 12:00:00'), not None: pass False to leave time running"
        )
    freezer_for(freeze_time, datetime.now(timezone.utc))  # type: ignore[arg-type]
    return freeze_time  # type: ignore[return-value]


class _Patch(Protocol):
    def install(self) -> None: ...

    def uninstall(self) -> None: ...


#: The module async clients are made from (aioboto3's too): once it is imported, the async
#: patch must be in place before the first client exists.
_ASYNC_ENTRY = "aiobotocore.session"


@functools.cache
def _aiobotocore_installed() -> bool:
    """Whether aiobotocore can be imported here: looked up once (every test's fake asks,
    and a lookup reads the import path)."""
    return importlib.util.find_spec("aiobotocore") is not None


def _aiobotocore_patch(router: Router, clock: FakeClock) -> _Patch | None:
    """The patch that serves aiobotocore's (and so aioboto3's) async clients, when
    aiobotocore is installed: at once if it is imported already, else the moment it is
    (``_LateAsyncPatch``), so that a suite without async clients never pays its import."""
    if not _aiobotocore_installed():
        return None
    if _ASYNC_ENTRY in sys.modules or "aiobotocore.endpoint" in sys.modules:
        return _async_patch(router, clock)
    return _LateAsyncPatch(router, clock)


def _async_patch(router: Router, clock: FakeClock) -> _Patch | None:
    try:
        import aiobotocore.endpoint  # noqa: F401
    except ImportError:
        return None  # an aiobotocore that cannot be imported makes no clients either
    try:
        from pytest_firehose._doors.aiobotocore import AiobotocorePatch
    except ImportError as moved:
        version = getattr(importlib.import_module("aiobotocore"), "__version__", "?")
        raise UsageError(
            f"pytest-firehose cannot serve aiobotocore {version} clients ({moved}), and will "
            "not let them reach the network. Install an aiobotocore release it supports "
            "(pip install 'pytest-firehose[async]'), or uninstall aiobotocore."
        ) from None
    return AiobotocorePatch(router, clock)


class _LateAsyncPatch:
    """The async patch, installed when aiobotocore's session module is first imported while
    the fake is active (an import that fails for an aiobotocore the patch cannot serve)."""

    def __init__(self, router: Router, clock: FakeClock) -> None:
        self._router = router
        self._clock = clock
        self._patch: _Patch | None = None
        self._waiting = AfterImport(_ASYNC_ENTRY, self._imported)

    def _imported(self) -> None:
        patch = _async_patch(self._router, self._clock)
        if patch is not None:
            patch.install()
            self._patch = patch

    def install(self) -> None:
        self._waiting.install()

    def uninstall(self) -> None:
        self._waiting.remove()
        if self._patch is not None:
            self._patch.uninstall()
            self._patch = None


class FirehoseFake:
    """The fake Firehose world, usable with or without pytest.

    ::

        with FirehoseFake() as fake:
            fake.firehose.create_delivery_stream("events")
            boto3.client("firehose").put_record(...)
            assert fake.firehose["events"].records == [...]

    While active, every botocore client in the process (whenever it was created) sends
    Firehose requests to this fake. Requests for other services go to whatever else answers
    them first (moto's ``mock_aws``); any that reach the network layer are refused with
    :class:`UnmockedRequestError`, unless their host is a loopback host listed in
    ``allow_hosts``.

    ``freeze_time=True`` (or a start time: a datetime, or a string such as
    ``"2030-01-01 12:00:00"``) turns on frozen-time mode while the fake is active: the fake
    clock drives freezegun, so the code under test reads fake time and its
    ``time.sleep()`` passes fake time (see docs/clock.md).
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        seed: int | None = None,
        allow_hosts: Iterable[str] = (),
        creation_delay: float = 0,
        encryption_delay: float = 0,
        unmodelled: str = "warn",
        update_delay: float | None = None,
        freeze_time: bool | Start = False,
    ) -> None:
        if isinstance(allow_hosts, str):  # a string is an iterable of its characters
            raise UsageError(
                f"allow_hosts is a list of loopback hosts, such as [{allow_hosts!r}], not one "
                "string"
            )
        if not isinstance(allow_hosts, Iterable):
            raise UsageError(
                f"allow_hosts is a list of loopback hosts, such as ['localhost'], not "
                f"{allow_hosts!r}"
            )
        allow_hosts = list(allow_hosts)  # read once: it may be an iterator
        for host in allow_hosts:
            if not isinstance(host, str):
                raise UsageError(
                    f"allow_hosts is a list of loopback host names, such as ['localhost'], "
                    f"and {host!r} is no name"
                )
        self._freeze_start = _freeze_start(freeze_time)
        self._freeze_time = freeze_time is not False
        self._frozen: FrozenTime | None = None
        self._config = WorldConfig(
            region=region,
            account_id=account_id,
            seed=seed,
            allow_hosts=frozenset(allow_hosts),
            creation_delay=creation_delay,
            encryption_delay=encryption_delay,
            unmodelled=unmodelled,
            update_delay=update_delay,
        )
        self._patches: list[_Patch] = []
        self._saved_env: dict[str, str | None] = {}
        self._world: World | None = None
        self._firehose: FirehoseHandle | None = None
        self._kinesis: KinesisHandle | None = None
        self._active = False
        #: Loopback ports whose requests really go out (a local server of this world).
        self._network_ports: set[int] = set()

    @property
    def allow_hosts(self) -> frozenset[str]:
        """The loopback hosts botocore may really reach while the fake is active."""
        return self._config.allow_hosts

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FirehoseFake:
        """Install the fake and return it: a fresh world (no streams, no faults, the clock at
        the real time now), botocore's (and aiobotocore's) HTTP layer patched to answer from
        it, and fake credentials and a region in ``os.environ`` where none are set.

        One fake may be active in a process at a time; starting a second one, or this one
        twice, raises :class:`UsageError`. ``with FirehoseFake() as fake:`` starts and stops.
        """
        if self._active:
            raise UsageError("this FirehoseFake is already started")
        config = self._config
        region = (
            config.region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or DEFAULT_REGION
        )
        world = World(
            account_id=config.account_id,
            region=region,
            seed=config.seed,
            creation_delay=config.creation_delay,
            encryption_delay=config.encryption_delay,
            update_delay=config.update_delay,
            contained=interceptor_installed,
            unmodelled=config.unmodelled,
        )
        # botocore's first: it refuses to start while another fake is active.
        self._install(BotocorePatch(self._route, world.clock, self._serves))
        try:
            async_patch = _aiobotocore_patch(self._route, world.clock)
            if async_patch is not None:
                self._install(async_patch)
        except BaseException:
            self._uninstall()
            raise
        self._world = world
        # Children it starts meanwhile refuse to reach AWS (child_guard.py).
        for name, value in {**fake_environment(region), GUARD_ENV: "1"}.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        self._firehose = FirehoseHandle(world)
        self._kinesis = KinesisHandle(world)
        self._active = True
        if self._freeze_time:
            self._start_frozen_time(world)
        return self

    def _start_frozen_time(self, world: World) -> None:
        frozen = FrozenTime(world.clock, self._freeze_start, world.holds_lock)
        try:
            frozen.start()
        except BaseException:
            frozen.stop()
            self.stop()
            raise
        self._frozen = frozen

    def _install(self, patch: _Patch) -> None:
        patch.install()
        self._patches.append(patch)

    def _uninstall(self) -> None:
        while self._patches:
            self._patches.pop().uninstall()

    def stop(self) -> None:
        """Undo every patch and restore the environment variables :meth:`start` set. The
        world stays readable (``.world``, ``.firehose``, ``.kinesis``) until the next start;
        every change a handle on it would make (a put, a fault, a move of the clock ...)
        raises :class:`UsageError`. Stopping a fake that is not active does nothing."""
        if self._frozen is not None:
            self._frozen.stop()
            self._frozen = None
        self._uninstall()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        self._active = False
        if self._world is not None:
            self._world.stopped = True

    def __enter__(self) -> FirehoseFake:
        return self.start()

    def __repr__(self) -> str:
        if self._world is None:
            return "<FirehoseFake never started>"
        state = "active" if self._active else "stopped"
        return f"<FirehoseFake {state} in {self._world.region}, account {self._world.account_id}>"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ access

    @property
    def world(self) -> World:
        """The engine's world behind both handles: every service model, the clock, the call
        log and the fault script. Tests need only :attr:`firehose` and :attr:`kinesis`; the
        world is what the local server (``FirehoseServer``) serves."""
        if self._world is None:
            raise UsageError("the FirehoseFake was never started; use `with FirehoseFake():`")
        return self._world

    @property
    def firehose(self) -> FirehoseHandle:
        """The Firehose handle; the same object the ``firehose`` fixture gives."""
        if self._firehose is None:
            raise UsageError("the FirehoseFake was never started; use `with FirehoseFake():`")
        return self._firehose

    def unfired_faults(self) -> str | None:
        """A message naming every scripted fault that never fired and why, or ``None``."""
        lines = [
            f"  {handle.fault!r}: {handle.why_not_fired()}"
            for script in self.world.faults.values()
            for handle in script.unfired()
        ]
        if not lines:
            return None
        return "\n".join(
            [
                "scripted fault(s) never fired, so the test did not exercise what it meant to:",
                *lines,
                "Fix the fault's operation=/stream=/call=, or mark it optional=True "
                "(or set firehose_assert_all_faults_fired = false).",
            ]
        )

    def failure_report(self) -> str:
        """What a failed test's report shows of the fake: every call it answered, each
        scripted fault and how often it fired, the records still in a delivery stream's
        buffer (a test that read ``delivered`` before a flush), and delivery errors."""
        world = self.world
        lines = [call_log(world.calls, world.region)]
        faults = [handle for script in world.faults.values() for handle in script.handles]
        if faults:
            lines.append("faults:")
            lines.extend(f"  {handle.fault!r} fired {handle.fired} time(s)" for handle in faults)
        buffered = [
            f"  {stream.name!r} ({stream.region}): {count} record(s)"
            for stream in self.firehose
            if (count := len(stream.buffered))
        ]
        if buffered:
            lines.append(
                "buffered, not delivered yet (firehose.flush() delivers them; "
                "assert_delivered() flushes first):"
            )
            lines.extend(buffered)
        with world.lock:
            asks = list(world.trigger_notes)
        triggers = [note for ask in asks if (note := ask()) is not None]
        if triggers:
            lines.append("Lambda triggers whose handler failed (trigger.invocations[i].error):")
            lines.extend(triggers)
        lines.append(errors_note(self.firehose.delivery_errors()).lstrip("\n"))
        return "\n".join(line for line in lines if line)

    @property
    def kinesis(self) -> KinesisHandle:
        """The Kinesis Data Streams handle; the same object the ``kinesis`` fixture gives.
        It shares the world, and the clock, with :attr:`firehose`."""
        if self._kinesis is None:
            raise UsageError("the FirehoseFake was never started; use `with FirehoseFake():`")
        return self._kinesis

    # ------------------------------------------------------------------ routing

    def send_over_network(self, endpoint: str) -> None:
        """Let requests to ``endpoint`` (a loopback URL with a port, such as a local server's)
        really go out over the socket instead of being answered in-process."""
        self._network_ports.add(_loopback_port(endpoint))

    def stop_sending_over_network(self, endpoint: str) -> None:
        """Undo :meth:`send_over_network`."""
        self._network_ports.discard(_loopback_port(endpoint))

    def _to_network(self, url: str) -> bool:
        parts = address_of(url)  # as urllib3 will connect, not as urllib.parse reads it
        return parts.port in self._network_ports and is_loopback(parts.host)

    def _serves(self, request: HttpRequest) -> bool:
        """Whether moto must leave the request alone: ours, or bound for our server."""
        if self._network_ports and self._to_network(request.url):
            return True
        return service_of(request) is not None

    def _route(self, request: HttpRequest) -> HttpResponse | object:
        if self._network_ports and self._to_network(request.url):
            return PASS
        world = self._world  # set before the patches that route here are installed
        assert world is not None
        route = passing(request)
        if route is not None:  # nearly every request: the front end lets it through
            return world.handle(request, route)
        route = route_of(request, world.region)
        if route is not None:
            # As the server answers them, before any service reads the request.
            if len(request.body) > MAX_BODY:
                return too_large()
            return world.front(request) or world.handle(request, route)
        host = address_of(request.url).host  # as urllib3 will connect
        if host in self.allow_hosts:
            return PASS
        raise UnmockedRequestError(
            f"pytest-firehose refused a request to {host!r} ({request.url}): nothing in this "
            "test stands in for that service, and tests must not reach the network. "
            "Mock it (for example with moto's mock_aws(), started before the request), or, "
            "for a server of your own on loopback, allow its host with "
            "FirehoseFake(allow_hosts=[...]) or the `firehose_allow_hosts` ini option."
        )
