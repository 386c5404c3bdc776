"""When a snooze ends: `--until 2h`, `tomorrow 09:00`, `next week`, `2026-12-24T08:00`.

Times are read in the user's time zone (the process's local zone, so `TZ=Europe/Berlin`
works) and stored as naive UTC like every time in the database. A time that is not
in the future is refused: a snooze that has already run out would hide nothing."""

from __future__ import annotations

import datetime as dt
import re

from tasktui.errors import Invalid

#: The longest snooze: a task hidden for longer is better marked done.
MAX_SNOOZE = dt.timedelta(days=366)
#: The time of day `tomorrow` and `next week` mean when none is given.
MORNING = dt.time(9, 0)
_RELATIVE = re.compile(r"^\+?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: The choices the TUI's snooze prompt offers, with their labels.
PRESETS: tuple[tuple[str, str], ...] = (("1h", "1 hour"), ("4h", "4 hours"), ("tomorrow", "Tomorrow 09:00"),
                                        ("next week", "Next week (Monday 09:00)"))  # fmt: skip

HELP = "2h, 30m, 1d, tomorrow [HH:MM], next week, monday [HH:MM], HH:MM, 2026-12-24 or 2026-12-24T08:00"


def local_now() -> dt.datetime:
    """This moment in the local time zone (aware)."""
    return dt.datetime.now().astimezone()


def _clock(text: str, what: str) -> dt.time:
    match = _CLOCK.match(text.strip())
    if match is None:
        raise Invalid(f"{what}: expected a time HH:MM, not {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise Invalid(f"{what}: {text!r} is not a time of day")
    return dt.time(hour, minute)


def _at(day: dt.date, time: dt.time, tz: dt.tzinfo | None) -> dt.datetime:
    return dt.datetime.combine(day, time).replace(tzinfo=tz).astimezone(tz)


def parse_until(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """The end of a snooze as naive UTC; Invalid says what is wrong (or that it is past).
    `now` (aware, local) is for tests."""
    now = now or local_now()
    tz = now.tzinfo
    word = " ".join(text.strip().lower().split())
    if not word:
        raise Invalid(f"--until needs a time: {HELP}")
    when: dt.datetime | None = None
    relative = _RELATIVE.match(word)
    if relative and any(relative.groups()):
        weeks, days, hours, minutes = (int(g) if g else 0 for g in relative.groups())
        when = now + dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    elif word.isdigit():
        raise Invalid(f"--until {text!r}: give a unit (30m, 2h, 1d) or a time of day (09:00)")
    else:
        head, _, rest = word.partition(" ")
        if word == "next week":
            monday = now.date() + dt.timedelta(days=7 - now.weekday())
            when = _at(monday, MORNING, tz)
        elif head in ("tomorrow", "today"):
            day = now.date() + dt.timedelta(days=1 if head == "tomorrow" else 0)
            when = _at(day, _clock(rest, "--until") if rest else MORNING, tz)
        elif head in DAYS:
            ahead = (DAYS.index(head) - now.weekday() - 1) % 7 + 1  # the next one, never today
            when = _at(now.date() + dt.timedelta(days=ahead), _clock(rest, "--until") if rest else MORNING, tz)
        elif _CLOCK.match(word):
            when = _at(now.date(), _clock(word, "--until"), tz)
        else:
            when = _absolute(text.strip(), tz)
    if when <= now:
        raise Invalid(f"--until {text!r} is in the past ({when:%Y-%m-%d %H:%M}): a snooze must end later")
    if when - now > MAX_SNOOZE:
        raise Invalid(f"--until {text!r} is more than a year ahead: mark the task done instead")
    return when.astimezone(dt.UTC).replace(tzinfo=None)


def _absolute(text: str, tz: dt.tzinfo | None) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        raise Invalid(f"--until {text!r}: expected {HELP}") from None
    if len(text) == 10:  # a date alone: that morning
        parsed = dt.datetime.combine(parsed.date(), MORNING)
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def shown_local(utc: dt.datetime | None) -> str:
    """A stored (naive UTC) time as local `YYYY-MM-DD HH:MM`, '' for None."""
    if utc is None:
        return ""
    return utc.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")
