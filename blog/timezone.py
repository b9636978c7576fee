"""The site's time zone (``SITE_TIMEZONE``): every conversion between stored UTC and the wall clock.

The database holds UTC (``blog.models.base.UTCDateTime``) and machines get UTC or ISO 8601 with
an offset (feeds, the sitemap, JSON-LD, ``<time datetime>``). People read and type the wall-clock
time of the site's zone, like WordPress's Settings → General → Timezone: a post published at
2025-12-31 16:00 UTC on a Tokyo site says "January 1, 2026" and sits in the January 2026 archive.

This is the only module that knows about ``zoneinfo``. Everything else asks it:

* ``local(dt)`` for what to show, ``to_utc(wall)`` for what someone typed;
* ``local_month_bounds`` / ``local_year_bounds`` for archive filters, as UTC instants an index
  on the column answers (the column is never wrapped in a function there);
* ``local_timestamp_sql`` for GROUP BY per local month or day (PostgreSQL's ``timezone()``,
  SQLite's ``sargasso_local``, registered on each connection by ``blog.database``);
* the ``human_date`` and ``local_time`` template filters and the ``site_timezone`` name.

"UTC" (the default) needs no time zone database; any other name is looked up with ``zoneinfo``,
which uses the system's database or the ``tzdata`` package (minimal containers, Windows).
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, has_app_context
from sqlalchemy import func

DEFAULT_ZONE = "UTC"

#: Names ``zoneinfo`` finds on some systems that are not zones people choose: "localtime" is the
#: server's own setting, which a site must not silently follow.
_NOT_SITE_ZONES = frozenset({"localtime", "posixrules", "Factory"})

#: The name SQLite knows the wall-clock conversion by (``sqlite_local``).
SQLITE_FUNCTION = "sargasso_local"

#: English month names, whatever the server's locale (the dates read the same everywhere).
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC)


class LocalTimeError(ValueError):
    """A wall-clock time that names no instant: one the clocks skip (spring forward) or one off
    the calendar. ``message`` is written for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ----------------------------------------------------------------------------- the zone


def zone_key(name: object) -> str:
    """The setting as it is used: surrounding spaces dropped, empty meaning ``UTC``."""
    return (name.strip() if isinstance(name, str) else "") or DEFAULT_ZONE


def load_zone(name: object) -> tzinfo:
    """The zone called ``name`` (an IANA name such as ``Europe/Paris``), or ``ValueError`` saying
    what is wrong: the config check turns it into the message that stops the app at start."""
    if name is not None and not isinstance(name, str):
        raise ValueError(f"it must be a time zone name such as Europe/Paris, not {name!r}")
    key = zone_key(name)
    if key == DEFAULT_ZONE:
        return UTC  # the default works even where no time zone database is installed
    if key in _NOT_SITE_ZONES:
        raise ValueError(f"{key!r} is not a time zone name")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"no time zone is called {key!r} (names are case-sensitive)") from None


@lru_cache(maxsize=16)
def _zone(key: str) -> tzinfo:
    return load_zone(key)


def zone_name() -> str:
    """The site zone's name (``UTC`` outside an application, e.g. a unit test of a formatter)."""
    if not has_app_context():
        return DEFAULT_ZONE
    return zone_key(current_app.config.get("SITE_TIMEZONE"))


def site_zone() -> tzinfo:
    """The site's zone; checked when the app started, so this does not fail."""
    return _zone(zone_name())


# ----------------------------------------------------------------------------- conversions


def local(when: datetime) -> datetime:
    """``when`` on the site's wall clock (aware, in the site zone). A naive value is UTC, as the
    models store it. At the calendar's very ends, where the zone's time would fall outside years
    1–9999, ``when`` comes back in UTC rather than failing the page."""
    zone = site_zone()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if zone is UTC and when.tzinfo is UTC:
        return when  # the default, and the comment list's hot path: nothing to do
    try:
        return when.astimezone(zone)
    except OverflowError:
        return when.astimezone(UTC)


def to_utc(wall: datetime, *, strict: bool = True) -> datetime:
    """The instant a wall-clock time someone typed names in the site zone, as aware UTC (an aware
    value is just converted).

    * A time the clocks go through twice (fall back, e.g. 02:30 on Paris's last Sunday of
      October) is the first of the two (``fold=0``, still summer time), every time.
    * A time the clocks skip (spring forward, e.g. 02:30 on Paris's last Sunday of March) names
      no instant: ``LocalTimeError`` offering the time it would be, so the editor keeps what was
      typed and says what to type. With ``strict=False`` it moves forward by the gap as the
      clocks do (02:30 → 03:30): for "from the start of that day" uses such as a ban's end.
    * A time that would fall outside years 1–9999 in UTC is a ``LocalTimeError`` too.
    """
    if wall.tzinfo is not None:
        try:
            return wall.astimezone(UTC)
        except OverflowError:
            raise LocalTimeError(_OFF_CALENDAR) from None
    zone = site_zone()
    if zone is UTC:
        return wall.replace(tzinfo=UTC, fold=0)
    wall = wall.replace(fold=0)
    try:
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        shown = instant.astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        raise LocalTimeError(_OFF_CALENDAR) from None
    if strict and shown != wall:
        raise LocalTimeError(
            f"{wall:%H:%M} on {human_day(wall)} does not exist in {zone_name()}: the clocks go forward "
            f"past it that night. Choose another time, such as {shown:%H:%M}."
        )
    return instant


_OFF_CALENDAR = "That date is too far in the past or the future: choose one between the years 1 and 9999."


def _day_start(wall: datetime) -> datetime:
    """The first instant of the local day starting at ``wall`` (midnight, or when the day begins
    where the clocks skip midnight), clamped to the calendar's ends."""
    try:
        return to_utc(wall, strict=False)
    except LocalTimeError:
        return _FIRST_INSTANT if wall.year == MINYEAR else _LAST_INSTANT


def local_month_bounds(year: int, month: int) -> tuple[datetime, datetime] | None:
    """The UTC instants where a month of the site's calendar starts and where the next one starts,
    or None for a month that does not exist. A post is in the month when
    ``start <= published_at < end``: a range an index on the column answers."""
    if not (1 <= month <= 12 and MINYEAR <= year < MAXYEAR):
        return None
    start = _day_start(datetime(year, month, 1))
    end = _day_start(datetime(year + (month == 12), month % 12 + 1, 1))
    return start, end


def local_year_bounds(year: int) -> tuple[datetime, datetime] | None:
    """``local_month_bounds`` for a whole year of the site's calendar."""
    if not MINYEAR <= year < MAXYEAR:
        return None
    return _day_start(datetime(year, 1, 1)), _day_start(datetime(year + 1, 1, 1))


def local_day_start(when: datetime) -> datetime:
    """The UTC instant the site's day holding ``when`` began (local midnight, as a rule)."""
    day = local(when)
    return _day_start(datetime(day.year, day.month, day.day))


# ----------------------------------------------------------------------------- SQL


def local_timestamp_sql(column: Any, dialect: str) -> Any:
    """``column`` (a ``UTCDateTime``) as the site's wall-clock timestamp in SQL, for grouping rows
    already chosen by local month or day (filters use ``local_month_bounds`` instead).

    PostgreSQL converts with ``timezone(zone, column)``; SQLite, which has no zones, calls
    ``sargasso_local`` (``sqlite_local``, as Django does for its date functions). In UTC, SQLite
    reads the stored text as it is."""
    name = zone_name()
    if dialect == "postgresql":
        return func.timezone(name, column)
    if site_zone() is UTC:
        return column
    return getattr(func, SQLITE_FUNCTION)(column, name)


def sqlite_local(value: object, name: object) -> str | None:
    """``sargasso_local(stored, zone)`` for SQLite: a stored UTC timestamp as the zone's
    wall-clock time, written as SQLite writes timestamps so its ``strftime`` and ``date`` read it.
    Never raises (an exception would fail the whole query): what it cannot read is NULL."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(str(value))
        zone = _zone(zone_key(name))
    except ValueError:
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    try:
        wall = when.astimezone(zone)
    except OverflowError:
        wall = when
    return wall.replace(tzinfo=None).isoformat(sep=" ")


# ----------------------------------------------------------------------------- what people read


def human_day(wall: datetime) -> str:
    """``March 3, 2024`` for a date already on the wall clock (no conversion)."""
    return f"{MONTH_NAMES[wall.month - 1]} {wall.day}, {wall.year}"


def human_date(when: datetime | None) -> str:
    """``March 3, 2024`` in the site zone: the month spelt out, unambiguous for readers anywhere,
    and the way comments under a post date themselves ("March 3, 2024 at 9:30 am")."""
    return human_day(local(when)) if when is not None else ""


def local_time(when: datetime | None, fmt: str = "%d %b %Y, %H:%M %Z") -> str:
    """``when`` in the site zone, formatted with ``strftime`` (``%Z`` names the zone's time:
    "UTC", "CET", "JST"...); empty for None."""
    return local(when).strftime(fmt) if when is not None else ""


def clock_time(when: datetime | None) -> str:
    """``6:51 pm`` in the site zone, as the time in a comment's date reads ("... at 6:51 pm")."""
    if when is None:
        return ""
    wall = local(when)
    return f"{wall.hour % 12 or 12}:{wall.minute:02d} {'am' if wall.hour < 12 else 'pm'}"


def init_app(app: Flask) -> None:
    """The template filters: ``{{ post.published_at|human_date }}``,
    ``{{ revision.created_at|local_time("%d %b %Y, %H:%M %Z") }}``."""
    app.add_template_filter(human_date, "human_date")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(clock_time, "clock_time")
