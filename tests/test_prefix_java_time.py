"""``!{timestamp:PATTERN}`` is written as java.time's ``DateTimeFormatter`` writes it, in
English with Locale.US's weeks (Sunday first, one day makes a first week): every pattern
letter, its counts, quotes, optional sections and padding. A pattern Java refuses, and what
the fake cannot write as Java would, is copied as written and reported.

The expected strings are worked out by hand from the javadoc's table and Java's rules
(calendars, the CLDR's English names), not computed by the code under test."""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import S3, needs_botocore

from pytest_firehose import UnmodelledSettingWarning
from pytest_firehose._destinations.objects import evaluate_prefix

UTC = timezone.utc
#: A Monday afternoon: 2026-01-05 14:03:09.123456 UTC.
MONDAY = datetime(2026, 1, 5, 14, 3, 9, 123456, tzinfo=UTC)
#: Sunday 2026-01-04: Locale.US's week 2 (weeks from Sunday; ISO's week 1 ends that day).
SUNDAY = datetime(2026, 1, 4, 8, 0, tzinfo=UTC)
#: Sunday 2025-12-28 at midnight: the first week of 2026 by Locale.US's weeks.
NEW_YEARS_WEEK = datetime(2025, 12, 28, 0, 0, tzinfo=UTC)
#: Saturday 2025-12-27 at noon: week 52 of 2025.
LAST_WEEK = datetime(2025, 12, 27, 12, 0, tzinfo=UTC)
#: Tuesday 2024-12-31, the 366th day of a leap year, in the first week of 2025.
LEAP_YEARS_END = datetime(2024, 12, 31, 9, 30, tzinfo=UTC)
#: Thursday 2024-02-29 09:30, in the fifth week of February (Feb 1 was a Thursday).
LEAP_DAY = datetime(2024, 2, 29, 9, 30, tzinfo=UTC)
#: Saturday 2022-01-01, alone in the first week of 2022 (one day makes a first week).
LONE_SATURDAY = datetime(2022, 1, 1, 10, 0, tzinfo=UTC)
#: Tuesday 2026-09-15 20:15.
SEPTEMBER = datetime(2026, 9, 15, 20, 15, tzinfo=UTC)
EARLY = datetime(2005, 3, 1, 3, 0, tzinfo=UTC)


def written(pattern: str, at: datetime) -> str:
    return evaluate_prefix(f"!{{timestamp:{pattern}}}", at, None)


TEXT = [
    ("MMM", MONDAY, "Jan"),
    ("MMMM", MONDAY, "January"),
    ("MMMMM", MONDAY, "J"),
    ("LLL", SEPTEMBER, "Sep"),
    ("LLLL", SEPTEMBER, "September"),
    ("LLLLL", SEPTEMBER, "S"),
    ("E", MONDAY, "Mon"),
    ("EE", MONDAY, "Mon"),
    ("EEE", SEPTEMBER, "Tue"),
    ("EEEE", SEPTEMBER, "Tuesday"),
    ("EEEEE", MONDAY, "M"),
    ("eee", LEAP_DAY, "Thu"),
    ("eeee", LEAP_DAY, "Thursday"),
    ("ccc", SUNDAY, "Sun"),
    ("cccc", SUNDAY, "Sunday"),
    ("ccccc", SUNDAY, "S"),
    ("a", MONDAY, "PM"),
    ("a", LEAP_DAY, "AM"),
    ("a", LAST_WEEK, "PM"),  # noon
    ("G", MONDAY, "AD"),
    ("GGG", MONDAY, "AD"),
    ("GGGG", MONDAY, "Anno Domini"),
    ("GGGGG", MONDAY, "A"),
    ("QQQ", MONDAY, "Q1"),
    ("QQQQ", SEPTEMBER, "3rd quarter"),
    ("qqqq", LAST_WEEK, "4th quarter"),
    ("QQQQQ", SEPTEMBER, "3"),
]


@pytest.mark.parametrize(("pattern", "at", "expected"), TEXT)
def test_text_letters_are_written_in_english(pattern: str, at: datetime, expected: str) -> None:
    assert written(pattern, at) == expected


NUMBERS = [
    ("y", MONDAY, "2026"),
    ("yy", MONDAY, "26"),
    ("yy", EARLY, "05"),
    ("yyy", MONDAY, "2026"),
    ("yyyy", EARLY, "2005"),
    ("yyyyy", MONDAY, "02026"),
    ("yyyyyyyyyyyyyyyyyyy", MONDAY, "0000000000000002026"),  # 19: the widest
    ("u", MONDAY, "2026"),
    ("uu", MONDAY, "26"),
    ("uuuuuu", MONDAY, "002026"),
    ("M", MONDAY, "1"),
    ("MM", MONDAY, "01"),
    ("LL", SEPTEMBER, "09"),
    ("d", MONDAY, "5"),
    ("dd", MONDAY, "05"),
    ("D", MONDAY, "5"),
    ("DD", MONDAY, "05"),
    ("DDD", MONDAY, "005"),
    ("DDD", LEAP_YEARS_END, "366"),
    ("D", SEPTEMBER, "258"),
    ("Q", SEPTEMBER, "3"),
    ("QQ", SEPTEMBER, "03"),
    ("q", MONDAY, "1"),
    ("F", MONDAY, "1"),  # the aligned week of the month: days 1-7 are 1
    ("F", LEAP_DAY, "5"),
    ("g", datetime(1858, 11, 17, tzinfo=UTC), "0"),  # the modified Julian day's epoch
    ("g", datetime(1970, 1, 1, tzinfo=UTC), "40587"),
    ("gggggg", MONDAY, "061045"),
    ("H", MONDAY, "14"),
    ("HH", LEAP_DAY, "09"),
    ("H", NEW_YEARS_WEEK, "0"),
    ("h", MONDAY, "2"),
    ("hh", MONDAY, "02"),
    ("h", NEW_YEARS_WEEK, "12"),
    ("K", MONDAY, "2"),
    ("K", NEW_YEARS_WEEK, "0"),
    ("k", MONDAY, "14"),
    ("k", NEW_YEARS_WEEK, "24"),
    ("kk", LEAP_DAY, "09"),
    ("m", MONDAY, "3"),
    ("mm", MONDAY, "03"),
    ("s", MONDAY, "9"),
    ("ss", MONDAY, "09"),
]


@pytest.mark.parametrize(("pattern", "at", "expected"), NUMBERS)
def test_number_letters_are_padded_to_their_count(
    pattern: str, at: datetime, expected: str
) -> None:
    assert written(pattern, at) == expected


FRACTIONS = [
    ("S", "1"),
    ("SS", "12"),
    ("SSS", "123"),
    ("SSSSSS", "123456"),
    ("SSSSSSSSS", "123456000"),
    ("n", "123456000"),
    ("nnnnnnnnnn", "0123456000"),
    ("A", "50589123"),  # milliseconds of the day: 14:03:09.123
    ("AAAAAAAAAA", "0050589123"),
    ("N", "50589123456000"),
]


def test_milliseconds_of_the_day_count_whole_milliseconds() -> None:
    assert written("A SSS", datetime(2026, 1, 5, 0, 0, 0, 5000, tzinfo=UTC)) == "5 005"


@pytest.mark.parametrize(("pattern", "expected"), FRACTIONS)
def test_fractions_and_counts_of_the_day(pattern: str, expected: str) -> None:
    assert written(pattern, MONDAY) == expected


WEEKS = [
    ("e", MONDAY, "2"),  # Locale.US counts the days of the week from Sunday
    ("ee", MONDAY, "02"),
    ("c", MONDAY, "2"),
    ("e", SUNDAY, "1"),
    ("e", LAST_WEEK, "7"),
    ("w", MONDAY, "2"),
    ("ww", SUNDAY, "02"),  # ISO's week 1, Locale.US's week 2
    ("W", SUNDAY, "2"),
    ("W", LEAP_DAY, "5"),
    ("W", NEW_YEARS_WEEK, "5"),
    ("Y", MONDAY, "2026"),
    ("YY", MONDAY, "26"),
    ("YYYY-ww", NEW_YEARS_WEEK, "2026-01"),
    ("YYYY-ww", LAST_WEEK, "2025-52"),
    ("YYYY-w yyyy-DDD", LEAP_YEARS_END, "2025-1 2024-366"),
    ("YYYY-ww W e", LONE_SATURDAY, "2022-01 1 7"),
    ("YYYY-ww W", datetime(2022, 1, 2, tzinfo=UTC), "2022-02 2"),
    ("YYYY-ww e W", datetime(2023, 1, 1, tzinfo=UTC), "2023-01 1 1"),  # a Sunday
    # Leap 2016 ends on a Saturday, in its own 53rd week (2017's first week starts after).
    ("YYYY-ww e", datetime(2016, 12, 31, tzinfo=UTC), "2016-53 7"),
]


@pytest.mark.parametrize(("pattern", "at", "expected"), WEEKS)
def test_week_letters_follow_locale_us(pattern: str, at: datetime, expected: str) -> None:
    assert written(pattern, at) == expected


DAY_PERIODS = [
    (NEW_YEARS_WEEK, "midnight", "mi"),
    (LAST_WEEK, "noon", "n"),
    (LEAP_DAY, "in the morning", "in the morning"),
    (MONDAY, "in the afternoon", "in the afternoon"),
    (SEPTEMBER, "in the evening", "in the evening"),
    (datetime(2026, 1, 5, 22, 0, tzinfo=UTC), "at night", "at night"),
    (EARLY, "at night", "at night"),
    (datetime(2026, 1, 5, 0, 1, tzinfo=UTC), "at night", "at night"),
]


@pytest.mark.parametrize(("at", "full", "narrow"), DAY_PERIODS)
def test_day_periods(at: datetime, full: str, narrow: str) -> None:
    assert (written("B", at), written("BBBB", at), written("BBBBB", at)) == (full, full, narrow)


ZONES = [
    ("UTC", "VV", "UTC"),
    ("UTC", "z", "UTC"),
    ("UTC", "zzz", "UTC"),
    ("UTC", "zzzz", "Coordinated Universal Time"),
    ("UTC", "v", "UTC"),
    ("UTC", "O", "GMT"),
    ("UTC", "OOOO", "GMT"),
    ("UTC", "X", "Z"),
    ("UTC", "XXXXX", "Z"),
    ("UTC", "x", "+00"),
    ("UTC", "xx", "+0000"),
    ("UTC", "xxx", "+00:00"),
    ("UTC", "Z", "+0000"),
    ("UTC", "ZZZZ", "GMT"),
    ("UTC", "ZZZZZ", "Z"),
    ("Asia/Kolkata", "VV", "Asia/Kolkata"),
    ("Asia/Kolkata", "O", "GMT+5:30"),
    ("Asia/Kolkata", "OOOO", "GMT+05:30"),
    ("Asia/Kolkata", "X", "+0530"),
    ("Asia/Kolkata", "XXX", "+05:30"),
    ("Asia/Kolkata", "x", "+0530"),
    ("Asia/Kolkata", "Z", "+0530"),
    ("Asia/Kolkata", "ZZZZZ", "+05:30"),
    ("Asia/Tokyo", "X", "+09"),
    ("Asia/Tokyo", "xx", "+0900"),
    ("Asia/Tokyo", "O", "GMT+9"),
    ("Asia/Tokyo", "ZZZZ", "GMT+09:00"),
    ("America/New_York", "XXX", "-05:00"),
    ("America/New_York", "O", "GMT-5"),
    ("America/New_York", "Z", "-0500"),
]


@pytest.mark.parametrize(("zone", "pattern", "expected"), ZONES)
def test_zone_and_offset_letters(zone: str, pattern: str, expected: str) -> None:
    at = MONDAY.astimezone(UTC if zone == "UTC" else ZoneInfo(zone))
    assert written(pattern, at) == expected


def test_an_offset_with_seconds_is_written_by_the_letters_that_show_seconds() -> None:
    # Liberia kept -00:44:30 until 1972.
    at = datetime(1960, 6, 1, 12, tzinfo=UTC).astimezone(ZoneInfo("Africa/Monrovia"))
    assert written("xxxx XXXX xxxxx x Z ZZZZ O", at) == (
        "-004430 -004430 -00:44:30 -0044 -0044 GMT-00:44:30 GMT-0:44:30"
    )


def test_the_offset_follows_daylight_saving_time() -> None:
    july = datetime(2026, 7, 1, 12, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    assert written("HH XXX", july) == "08 -04:00"


LAYOUT = [
    ("yyyy[-MM[-dd]]", MONDAY, "2026-01-05"),  # an optional section is always written
    ("yyyy[MM", MONDAY, "202601"),  # Java closes what is left open
    ("'at' HH", MONDAY, "at 14"),
    ("ppH", MONDAY, "14"),
    ("ppH", LEAP_DAY, " 9"),
    ("pppppMMM", MONDAY, "  Jan"),
    ("ppppppppppMMMM", MONDAY, "   January"),
    ("yyyy/MM/dd/HH", MONDAY, "2026/01/05/14"),
]


@pytest.mark.parametrize(("pattern", "at", "expected"), LAYOUT)
def test_optional_sections_literals_and_padding(pattern: str, at: datetime, expected: str) -> None:
    assert written(pattern, at) == expected


#: Patterns Java's DateTimeFormatter refuses, with what its IllegalArgumentException says.
REFUSED = [
    ("yyyy-MM-ddTHH", "Unknown pattern letter: T"),
    ("yyyy-cc", 'Invalid pattern "cc"'),
    ("aa", "Too many pattern letters: a"),
    ("HHH", "Too many pattern letters: H"),
    ("EEEEEE", "Too many pattern letters: E"),
    ("MMMMMM", "Too many pattern letters: M"),
    ("DDDD", "Too many pattern letters: D"),
    ("www", "Too many pattern letters: w"),
    ("WW", "Too many pattern letters: W"),
    ("FF", "Too many pattern letters: F"),
    ("zzzzz", "Too many pattern letters: z"),
    ("XXXXXX", "Too many pattern letters: X"),
    ("SSSSSSSSSS", "Minimum width must be from 0 to 9 inclusive but was 10"),
    ("yyyyyyyyyyyyyyyyyyyy", "The minimum width must be from 1 to 19 inclusive but was 20"),
    ("V", "Pattern letter count must be 2: V"),
    ("OO", "Pattern letter count must be 1 or 4: O"),
    ("BB", "Wrong number of pattern letters: B"),
    ("vv", "Wrong number of pattern letters: v"),
    ("yyyy#", "Pattern includes reserved character: '#'"),
    ("{yyyy", "Pattern includes reserved character: '{'"),
    ("yyyy]", "Pattern invalid as it contains ] without previous ["),
    ("'year=yyyy", "Pattern ends with an incomplete string literal: 'year=yyyy"),
    ("p-HH", "Pad letter 'p' must be followed by valid pad pattern: p-HH"),
]


def create(client: Any, prefix: str, **config: Any) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "Prefix": prefix,
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            **config,
        },
    )


def key_of_one_record(fake: Any, client: Any) -> str:
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    stream = fake.firehose["events"]
    stream.flush()
    (obj,) = stream.objects
    return str(obj.key)


@pytest.mark.parametrize(("pattern", "java_says"), REFUSED)
def test_a_pattern_java_refuses_is_reported_and_copied_as_written(
    fake: Any, client: Any, pattern: str, java_says: str
) -> None:
    prefix = f"logs/!{{timestamp:{pattern}}}/"
    with pytest.warns(UnmodelledSettingWarning) as caught:
        create(client, prefix)
    (warning,) = caught
    assert str(warning.message) == (
        f"ExtendedS3DestinationConfiguration.Prefix: !{{timestamp:{pattern}}} (Java's "
        f"DateTimeFormatter refuses it: {java_says}) is not modelled: it is copied into the "
        "keys as written"
    )
    assert key_of_one_record(fake, client).startswith(f"{prefix}events-1-")


def test_what_java_writes_raises_no_warning_and_reaches_the_key(fake: Any, client: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create(client, "!{timestamp:EEEE, MMMM d yyyy 'at' h a[ VV]}/")
    key = key_of_one_record(fake, client)
    at = fake.firehose["events"].records[0].arrived_at.astimezone(UTC)
    noon = "AM" if at.hour < 12 else "PM"
    expected = f"{at:%A, %B} {at.day} {at.year} at {at.hour % 12 or 12} {noon} UTC/events-1-"
    assert key.startswith(expected), key


@needs_botocore("firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.CustomTimeZone")
def test_a_custom_time_zone_writes_its_id_and_offsets(fake: Any, client: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create(client, "!{timestamp:VV XXX O HH}/", CustomTimeZone="Asia/Kolkata")
    key = key_of_one_record(fake, client)
    local = fake.firehose["events"].records[0].arrived_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert key.startswith(f"Asia/Kolkata +05:30 GMT+5:30 {local:%H}/events-1-"), key


@needs_botocore("firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.CustomTimeZone")
def test_a_zone_name_in_words_outside_utc_is_reported(fake: Any, client: Any) -> None:
    with pytest.warns(UnmodelledSettingWarning, match="zzzz names the zone Asia/Tokyo in words"):
        create(client, "!{timestamp:yyyy zzzz}/", CustomTimeZone="Asia/Tokyo")
    assert key_of_one_record(fake, client).startswith("!{timestamp:yyyy zzzz}/events-1-")


REPORTED = [
    ("pppMMMM", r"pppMMMM: Java fails to pad 'September' \(9 characters\) to 3"),
    ("ppB", r"ppB: Java fails to pad 'in the afternoon' \(16 characters\) to 2"),
    ("yyyyyyyyyyy", "yyyyyyyyyyy: Java fails to format a year padded to 11 digits"),
]


@pytest.mark.parametrize(("pattern", "said"), REPORTED)
def test_what_java_fails_to_format_is_reported(client: Any, pattern: str, said: str) -> None:
    expression = re.escape(f"Prefix: !{{timestamp:{pattern}}} (")
    with pytest.warns(UnmodelledSettingWarning, match=expression + said):
        create(client, f"!{{timestamp:{pattern}}}/")


MONTHS = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)


def test_a_padding_as_wide_as_the_widest_text_is_written_and_not_reported(
    fake: Any, client: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create(client, "!{timestamp:pppppppppMMMM}/!{timestamp:ppH}/")  # September; 23
    key = key_of_one_record(fake, client)
    arrived = fake.firehose["events"].records[0].arrived_at.astimezone(timezone.utc)
    month, hour, _ = key.split("/", 2)
    assert month == MONTHS[arrived.month - 1].rjust(9)
    assert hour == f"{arrived.hour:2d}"


def test_a_padding_that_overflows_only_sometimes_is_copied_as_written_then() -> None:
    assert written("pppMMMM", MONDAY) == "!{timestamp:pppMMMM}"  # January is 7 letters
    assert written("pppMMM", MONDAY) == "Jan"


def test_every_expression_of_a_prefix_is_the_same_instant() -> None:
    prefix = "!{timestamp:yyyy}/!{timestamp:MMMM}/!{timestamp:EEE-SSS}/"
    assert evaluate_prefix(prefix, MONDAY, None) == "2026/January/Mon-123/"
