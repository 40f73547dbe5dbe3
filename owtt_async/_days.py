"""Days for the daily limit: midnight to midnight in UTC or in a configured time zone.

Day boundaries are computed here, from the IANA zone database (``zoneinfo``), and
reach SQL as UTC instants, so the database's own time zone setting never matters. A
day in a zone with daylight-saving time can last 23 or 25 hours. It starts at the
first instant whose local date is that day, even where a clock change skips
midnight itself.

Usage is counted per quarter hour since 1970-01-01 UTC; every zone in use today has
an offset that is a whole number of quarter hours, so a day is a range of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._errors import ConfigurationError, InvalidTypeError

QUARTER_HOUR = timedelta(minutes=15)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Day:
    """One day of a time zone as UTC instants: ``start`` inclusive, ``end`` exclusive."""

    date: date
    start: datetime
    end: datetime

    @property
    def first_quarter_hour(self) -> int:
        return quarter_hour(self.start)

    @property
    def end_quarter_hour(self) -> int:
        return quarter_hour(self.end)


def load_zone(value: str | tzinfo | None) -> tzinfo:
    """Return the time zone for an IANA name such as 'Europe/Berlin'; None means UTC."""
    if value is None:
        return timezone.utc
    if isinstance(value, tzinfo):
        return value
    if not isinstance(value, str):
        raise InvalidTypeError(
            "time_zone must be an IANA zone name such as 'Europe/Berlin', "
            f"not {type(value).__name__}"
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {value!r}; use an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None


def quarter_hour(instant: datetime) -> int:
    """Return the number of whole quarter hours from 1970-01-01 UTC to ``instant``."""
    return (instant - EPOCH) // QUARTER_HOUR


def day_of(instant: datetime, zone: tzinfo) -> Day:
    """Return the day of ``zone`` that contains ``instant`` (an aware datetime)."""
    local_date = instant.astimezone(zone).date()
    start = start_of_day(local_date, zone)
    end = start_of_day(local_date + timedelta(days=1), zone)
    return Day(date=local_date, start=start, end=end)


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """Return the first instant, in UTC, whose local date in ``zone`` is ``day``."""
    candidates = []
    for fold in (0, 1):
        local = datetime.combine(day, time(0), tzinfo=zone).replace(fold=fold)
        instant = local.astimezone(timezone.utc)
        # When a clock change skips midnight, one fold lands on the previous day
        # and the other on the transition, which is the day's true start.
        if instant.astimezone(zone).date() == day:
            candidates.append(instant)
    if not candidates:
        raise ConfigurationError(f"the time zone {zone} has no day {day.isoformat()}")

    start = min(candidates)
    if (start - EPOCH) % QUARTER_HOUR:
        raise ConfigurationError(
            f"in the time zone {zone}, {day.isoformat()} starts at {start.isoformat()}, "
            "which is not on a quarter hour of UTC; daily limits support zones whose "
            "offsets are whole quarter hours, as every zone in use today"
        )
    return start
