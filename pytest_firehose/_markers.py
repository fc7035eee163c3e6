"""The plugin's markers read: ``firehose_settings``, ``firehose_freeze_time`` and the fail
markers, in the order a reader sees them, each checked by binding its arguments to a
signature so that Python words a typo, and the fake a test's markers describe.

Imported by the plugin at start-up: it loads no botocore, engine or server (the fake is
imported when a test first asks for it).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import pytest

from pytest_firehose._engine.config import WorldConfig
from pytest_firehose._errors import UsageError

if TYPE_CHECKING:
    from pytest_firehose._doors.fake import FirehoseFake
    from pytest_firehose._doors.freeze import Start
    from pytest_firehose._handles.firehose import FirehoseHandle
    from pytest_firehose._handles.kinesis import KinesisHandle

#: The settings a WorldConfig holds, each a keyword of FirehoseFake.
_SETTING_NAMES = tuple(field.name for field in dataclasses.fields(WorldConfig))


def firehose_settings(
    *,
    region: str | None = None,
    account_id: str | None = None,
    seed: int | None = None,
    creation_delay: float | None = None,
    encryption_delay: float | None = None,
    update_delay: float | None = None,
) -> dict[str, object]:
    """The settings a ``firehose_settings`` marker gives, by name. Binding the marker's
    arguments to this signature lets Python word a typo (an unknown or positional
    argument) itself."""
    given = {
        "region": region,
        "account_id": account_id,
        "seed": seed,
        "creation_delay": creation_delay,
        "encryption_delay": encryption_delay,
        "update_delay": update_delay,
    }
    return {name: value for name, value in given.items() if value is not None}


#: The settings marker's signature, shown by ``pytest --markers``.
SETTINGS_SIGNATURE = str(
    inspect.signature(firehose_settings, eval_str=True).replace(
        return_annotation=inspect.Signature.empty
    )
)[1:-1]


def firehose_freeze_time(*, enabled: bool = True, start: object = None) -> bool | object:
    """What a ``firehose_freeze_time`` marker asks for: off (``False``), on from the fake
    clock's time (``True``), or on from ``start``. Bound like ``firehose_settings``, so a
    typo fails with Python's own message."""
    if not isinstance(enabled, bool):
        raise TypeError(f"firehose_freeze_time: enabled is True or False, not {enabled!r}")
    if not enabled and start is not None:
        raise TypeError(
            f"firehose_freeze_time: start= {start!r} needs enabled=True; drop one of them"
        )
    if not enabled or start is None:
        return enabled
    return start


#: The frozen-time marker's signature, shown by ``pytest --markers``.
FREEZE_SIGNATURE = "*, enabled: bool = True, start: datetime | date | str | None = None"


#: The markers that act through the fake, and what each would fail to do without it.
NEEDS_FAKE = {
    "firehose_fail": "no fault would be scheduled",
    "kinesis_fail": "no fault would be scheduled",
    "firehose_settings": "no setting would apply",
    "firehose_freeze_time": "nothing would freeze",
}


def marks_in_order(node: pytest.Item) -> dict[str, list[pytest.Mark]]:
    """The plugin's markers on a test (``NEEDS_FAKE``), by name, each list as a reader
    sees them: module, class, then function; stacked decorators top to bottom (Python
    applies them bottom up, so their stored order is reversed); then the test's
    parameter's (``pytest.param(..., marks=...)``), in the order given. One walk for
    every name: most tests carry none of them, and a level without markers is skipped."""
    marks: dict[str, list[pytest.Mark]] = {}
    for level in node.listchain():
        # pytest keeps a parameter's marks among the function's own, after its decorators'.
        given = getattr(getattr(level, "callspec", None), "marks", [])
        if not level.own_markers and not given:
            continue
        own = [mark for mark in level.own_markers if not any(mark is g for g in given)]
        if isinstance(level, (pytest.Class, pytest.Function)):
            own.reverse()
        for mark in [*own, *given]:
            if mark.name in NEEDS_FAKE:
                marks.setdefault(mark.name, []).append(mark)
    return marks


def settings_for(base: WorldConfig, marks: list[pytest.Mark]) -> WorldConfig:
    """The ini options' settings (``base``) with the test's ``firehose_settings`` markers
    (``marks``) over them, checked by the same rules."""
    if not marks:
        return base
    overrides: dict[str, object] = {}
    refused: str | None = None
    for mark in marks:
        try:
            overrides.update(firehose_settings(*mark.args, **mark.kwargs))
        except TypeError as error:
            refused = f"@pytest.mark.{_own_words(error)}{_keywords_hint(mark, firehose_settings)}"
            break
    else:
        try:
            return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]
        except UsageError as error:
            refused = f"@pytest.mark.firehose_settings: {error}"
    # Failed outside the except blocks, so the report shows no chained traceback.
    pytest.fail(refused, pytrace=False)


def freeze_for(item: pytest.Item, marks: list[pytest.Mark]) -> object:
    """Frozen-time mode for this test: the ini option, then its markers (``marks``; the
    test's last), as ``FirehoseFake(freeze_time=...)`` takes it."""
    wanted: object = bool(item.config.getini("firehose_freeze_time"))
    for mark in marks:
        try:
            wanted = firehose_freeze_time(*mark.args, **mark.kwargs)
        except TypeError as error:
            hint = _keywords_hint(mark, firehose_freeze_time)
            refused = f"@pytest.mark.{_own_words(error)}{hint}"
            break
    else:
        return wanted
    pytest.fail(refused, pytrace=False)


def _own_words(error: TypeError) -> str:
    """Python's message for arguments that do not fit, without the suggestion Python 3.13
    adds to it: ``_keywords_hint`` makes one in the marker's terms, on every Python."""
    from pytest_firehose._terms import own_words

    return own_words(error)


def _keywords_hint(mark: pytest.Mark, marker: Callable[..., object]) -> str:
    """When ``mark``'s arguments do not fit the signature of ``marker`` (a misspelt keyword,
    an argument by position): the keyword it is close to, and every keyword."""
    from pytest_firehose._terms import did_you_mean, listed_keywords, misfit

    signature = inspect.signature(marker)
    if misfit(signature, mark.args, mark.kwargs):
        hint = did_you_mean(mark.kwargs, signature.parameters)
        return f".{hint} Its keywords: {listed_keywords(signature)}."
    return ""  # they fit: the marker refused a value, and said why


def fake_for(
    item: pytest.Item, marks: dict[str, list[pytest.Mark]], base: WorldConfig
) -> FirehoseFake:
    """The fake a test's settings and frozen-time markers (``marks``) describe, over the ini
    options' settings (``base``)."""
    from pytest_firehose._doors.fake import FirehoseFake

    settings = settings_for(base, marks.get("firehose_settings", []))
    freeze = cast("bool | Start", freeze_for(item, marks.get("firehose_freeze_time", [])))
    try:
        # Field by field: dataclasses.asdict would copy each value deeply, for every test.
        given = {name: getattr(settings, name) for name in _SETTING_NAMES}
        return FirehoseFake(**given, freeze_time=freeze)
    except UsageError as error:
        refused = f"@pytest.mark.firehose_freeze_time: {error}"
    # Failed outside the except block, so the report shows no chained traceback.
    pytest.fail(refused, pytrace=False)


def schedule_marked_faults(fake: FirehoseFake, marks: dict[str, list[pytest.Mark]]) -> None:
    """Schedule the test's fail markers (``marks``), Firehose's then Kinesis's, each in
    order. A bad one fails the test at setup, naming it as written (stacked markers look
    alike)."""
    for handle in (fake.firehose, fake.kinesis):
        for mark in marks.get(f"{handle.service}_fail", []):
            refused = _fault_refusal(handle, mark)
            if refused is not None:
                pytest.fail(refused, pytrace=False)


def _fault_refusal(handle: FirehoseHandle | KinesisHandle, mark: pytest.Mark) -> str | None:
    """Schedule the fault a fail marker asks ``handle`` for; what refuses it, if anything
    does (said outside the except blocks, so the report shows no chained traceback)."""
    from pytest_firehose._terms import listed_keywords, misfit, written

    marker = f"@pytest.mark.{handle.service}_fail"
    signature = inspect.signature(handle.fail)
    given = written(mark.args, mark.kwargs)
    reason = misfit(signature, mark.args, mark.kwargs)
    if reason:  # a misspelt keyword, or an argument by position
        return (
            f"{marker}({given}): {reason} The keywords are those of "
            f"{handle.service}.fail(): {listed_keywords(signature)}."
        )
    try:
        handle.fail(*mark.args, **mark.kwargs)
    except UsageError as error:
        return f"{marker}({given}): {error}"
    return None
