"""Severity of tasks and events: `critical`, `high`, `normal` (the default), `low`.

Stored as a rank (`models.SEVERITIES`: 1 low ... 4 critical), so that sorting
descending lists critical first and "high and above" is one range of an index. Shown
with a glyph and a letter, never by colour alone (`glyph`, `LETTERS`)."""

from __future__ import annotations

from tasktui.errors import Invalid
from tasktui.models import NORMAL, SEVERITIES

#: Rank -> name, most severe first (the order pickers offer them in).
NAMES: dict[int, str] = {rank: name for name, rank in sorted(SEVERITIES.items(), key=lambda item: -item[1])}
#: One letter per rank, for the column (with the glyph: readable without colour).
LETTERS: dict[int, str] = {4: "C", 3: "H", 2: "N", 1: "L"}
#: One glyph per rank: more marks for more severe, so a monochrome terminal tells them apart.
GLYPHS: dict[int, str] = {4: "‼", 3: "!", 2: "·", 1: "↓"}
DEFAULT = NORMAL


def name_of(rank: int) -> str:
    """The name of a rank (`critical`); an unknown rank (a foreign database) is `normal`."""
    return NAMES.get(rank, "normal")


def rank_of(name: str) -> int:
    """The rank of a severity name (case-insensitive); Invalid names the choices."""
    rank = SEVERITIES.get(name.strip().lower())
    if rank is None:
        raise Invalid(f"unknown severity {name!r}: use {', '.join(NAMES.values())}")
    return rank


def optional_rank(name: str | None) -> int | None:
    """`rank_of`, or None for no severity given (the event's default applies)."""
    return None if name is None or not name.strip() else rank_of(name)


def parse_level_filter(text: str) -> tuple[int, ...]:
    """A severity filter: `high` (that level), `high+` (that level and above), or a
    comma list (`critical,low`) -> the ranks it keeps, most severe first."""
    ranks: set[int] = set()
    for word in text.split(","):
        word = word.strip()
        if not word:
            continue
        if word.endswith("+"):
            low = rank_of(word[:-1])
            ranks.update(r for r in NAMES if r >= low)
        else:
            ranks.add(rank_of(word))
    if not ranks:
        raise Invalid("a severity filter needs a level: critical, high, normal or low (high+: high and above)")
    return tuple(sorted(ranks, reverse=True))


def level_filter_text(ranks: tuple[int, ...]) -> str:
    """The shortest text `parse_level_filter` reads back as `ranks` (`high+`, `low`)."""
    ordered = sorted(set(ranks), reverse=True)
    if not ordered:
        return ""
    lowest = ordered[-1]
    if ordered == [r for r in NAMES if r >= lowest] and len(ordered) > 1:
        return f"{name_of(lowest)}+"
    return ",".join(name_of(r) for r in ordered)


def glyph(rank: int) -> str:
    """`‼C`, `!H`, `·N`, `↓L`: the severity cell (glyph and letter)."""
    return GLYPHS.get(rank, "·") + LETTERS.get(rank, "N")


#: Alertmanager `severity` label values (lower case) -> rank: the usual words of
#: Prometheus rules and of syslog levels.
LABEL_WORDS: dict[str, int] = {
    "critical": 4, "crit": 4, "emergency": 4, "emerg": 4, "alert": 4, "fatal": 4, "page": 4, "p1": 4,
    "high": 3, "error": 3, "err": 3, "major": 3, "p2": 3,
    "warning": 2, "warn": 2, "normal": 2, "medium": 2, "moderate": 2, "minor": 2, "p3": 2,
    "low": 1, "info": 1, "informational": 1, "notice": 1, "debug": 1, "none": 1, "p4": 1, "p5": 1,
}  # fmt: skip

#: PagerDuty's `payload.severity` (its four values) -> rank.
PAGERDUTY: dict[str, int] = {"critical": 4, "error": 3, "warning": 2, "info": 1}


def from_label(value: str | None) -> int | None:
    """The rank an Alertmanager `severity` label means, or None (unknown word: the
    event's default applies, the label stays in the description)."""
    if value is None:
        return None
    return LABEL_WORDS.get(value.strip().lower())
