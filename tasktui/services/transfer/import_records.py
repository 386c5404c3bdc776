"""The records of an import and what can be wrong with them: shared by the reader
(importing.py) and the checks against the database (import_checks.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tasktui.errors import TaskTuiError


@dataclass(frozen=True)
class ImportRecord:
    """One checked task object of the file, references still by name."""

    index: int  # position in the file, from 1
    old_id: int | None
    event: str
    created_at: dt.datetime
    status: str
    title: str
    description: str = ""
    link: str = ""
    done_at: dt.datetime | None = None
    assignee: str | None = None
    group: str | None = None
    occurrences: int = 1
    last_seen_at: dt.datetime | None = None
    dedup_key: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    #: Triage: a severity rank (None: the target event's default), who acknowledged
    #: the task and when, until when it sleeps.
    severity: int | None = None
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None

    @property
    def label(self) -> str:
        """How problems name the record: 'record 3 (id 17)'."""
        return record_label(self.index, self.old_id)


def record_label(index: int, old_id: Any) -> str:
    """'record 3 (id 17)', or 'record 3' when the record has no usable id."""
    return f"record {index}" + (f" (id {old_id})" if isinstance(old_id, int) and not isinstance(old_id, bool) else "")


@dataclass(frozen=True)
class Problem:
    """Why one record cannot be imported."""

    record: str
    message: str
    not_found: bool = False

    def __str__(self) -> str:
        return f"{self.record}: {self.message}" if self.record else self.message


class ImportRejected(TaskTuiError):
    """The file cannot be imported as it is; nothing was written. `problems` lists
    every problem found (the message names the first, or counts them)."""

    def __init__(
        self, source: str, problems: Sequence[Problem], exit_code: int | None = None, hint: str = "", summary: str = ""
    ) -> None:
        self.problems = list(problems)
        self.exit_code = exit_code if exit_code is not None else (3 if all(p.not_found for p in problems) else 2)
        count = len(self.problems)
        head = str(self.problems[0]) if count == 1 else summary or f"{count} problems"
        super().__init__(f"{source}: {head}: nothing was imported{hint}")
