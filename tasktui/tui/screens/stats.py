"""The stats screen (issue 18.4): how the work develops, as charts (textual-plotext).

Top: per day of the period, tasks raised and done (bars) and open at the end of the
day (a line). Bottom: the events raising most (occurrences, dedup repeats included).
A summary line gives the totals and the median / p90 time to done. `n` shows the
numbers instead (per day, per event, oldest open tasks, open per assignee and group);
`p` changes the period (7, 30, 90 days), `v` picks one event. The figures are
computed in SQL (`services.stats`) in a worker, never on the UI thread.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from tasktui.models import utcnow
from tasktui.services.stats import Stats, task_stats
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.picker import PickerScreen

#: The periods `p` cycles through (days).
PERIODS = (30, 7, 90)


def _hours(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f} h" if value < 48 else f"{value / 24:,.1f} d"


def summary_line(stats: Stats, days: int) -> str:
    """The line above the charts."""
    scope = f" · {stats.event}" if stats.event else ""
    return (
        f"{days} days{scope}: {stats.raised:,} raised · {stats.done:,} done · "
        f"{stats.days[-1].open if stats.days else 0:,} open · to done: median {_hours(stats.median_hours)}, "
        f"p90 {_hours(stats.p90_hours)}"
    )


class StatsScreen(ScreenWithHelp):
    """Charts of raised, done and open tasks over a period, and the top events."""

    BINDINGS = [
        Binding("n", "toggle_numbers", "Numbers/charts"),
        Binding("p", "period", "Period"),
        Binding("v", "pick_event", "Event…"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, now: dt.datetime | None = None) -> None:
        super().__init__(id="stats-screen")
        #: "Now" of the report (tests fix it); None: the current time at each read.
        self.now = now
        self.period = PERIODS[0]
        self.event: str | None = None
        self.stats: Stats | None = None
        self.show_numbers = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading…", id="stats-summary", markup=False)
        with Vertical(id="stats-charts"):
            yield PlotextPlot(id="stats-days")
            yield PlotextPlot(id="stats-events")
        yield DataTable(id="stats-numbers", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#stats-numbers").display = False
        self.reload()

    def data_changed(self) -> None:
        """Live refresh: someone changed the database."""
        self.reload()

    def reload(self) -> None:
        """Compute the report in a worker, then draw it."""
        now = self.now or utcnow()
        since = dt.datetime.combine(now.date() - dt.timedelta(days=self.period - 1), dt.time())
        lang = self.app.actor.lang
        self.app.backend.run(
            task_stats, since, self.event, now, lang, on_done=self._show, owner=self, group="stats", exclusive=True
        )

    def _show(self, stats: Stats) -> None:
        self.stats = stats
        self.query_one("#stats-summary", Static).update(summary_line(stats, self.period))
        self._draw_days(stats)
        self._draw_events(stats)
        self._fill_numbers(stats)

    def _draw_days(self, stats: Stats) -> None:
        widget = self.query_one("#stats-days", PlotextPlot)
        plt = widget.plt
        plt.clear_figure()
        labels = [d.day[5:] for d in stats.days]  # MM-DD
        positions = list(range(1, len(labels) + 1))
        plt.multiple_bar(positions, [[d.raised for d in stats.days], [d.done for d in stats.days]],
                         labels=["raised", "done"], color=["orange", "green"])  # fmt: skip
        plt.plot(positions, [d.open for d in stats.days], label="open at end of day", color="cyan", marker="braille")
        step = max(1, len(labels) // 6)
        plt.xticks(positions[::step], labels[::step])
        plt.title("Tasks per day")
        widget.refresh()

    def _draw_events(self, stats: Stats) -> None:
        widget = self.query_one("#stats-events", PlotextPlot)
        plt = widget.plt
        plt.clear_figure()
        top = list(reversed(stats.top_events[:5]))  # plotext draws the first bar at the bottom
        if top:
            plt.bar([visible_line(e.event)[:24] for e in top], [e.occurrences for e in top], orientation="horizontal",
                    color="orange")  # fmt: skip
        plt.title("Top events by occurrences")
        widget.refresh()

    def _fill_numbers(self, stats: Stats) -> None:
        table = self.query_one("#stats-numbers", DataTable)
        table.clear(columns=True)
        table.add_columns("What", "Raised", "Done", "Open", "Occur.")
        for d in reversed(stats.days):
            table.add_row(d.day, f"{d.raised:,}", f"{d.done:,}", f"{d.open:,}", "")
        for e in stats.events:
            table.add_row(
                visible_line(e.event)[:30], f"{e.raised:,}", f"{e.done:,}", f"{e.open:,}", f"{e.occurrences:,}"
            )
        for t in stats.oldest_open:
            table.add_row(f"oldest #{t.id}, {t.age_days} d: {visible_line(t.title)}"[:30], "", "", "1", "")
        for load in stats.open_by_assignee:
            table.add_row(f"assignee {visible_line(load.name or '(nobody)')}", "", "", f"{load.open:,}", "")
        for load in stats.open_by_group:
            table.add_row(f"group {visible_line(load.name or '(none)')}", "", "", f"{load.open:,}", "")

    def action_toggle_numbers(self) -> None:
        """Show the numbers behind the charts, or the charts again."""
        self.show_numbers = not self.show_numbers
        self.query_one("#stats-charts").display = not self.show_numbers
        numbers = self.query_one("#stats-numbers", DataTable)
        numbers.display = self.show_numbers
        if self.show_numbers:
            numbers.focus()

    def action_period(self) -> None:
        """The next period: 30, 7 or 90 days."""
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self.notify(f"Last {self.period} days")
        self.reload()

    def action_pick_event(self) -> None:
        """Show one event only (or all of them again)."""
        from tasktui.services.events.definitions import list_events

        lang = self.app.actor.lang

        def items() -> list[tuple[str, str]]:
            return [(e.identifier, f"{e.name} ({e.identifier})") for e in list_events(lang=lang)]

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.event = value or None
            self.reload()

        def show(found: list[tuple[str, str]]) -> None:
            self.app.push_screen(PickerScreen("Stats of the event", found, allow_none="All events"), chosen)

        self.app.backend.run(items, on_done=show, owner=self, group="stats-events")

    def action_back(self) -> None:
        """Back to the tasks screen."""
        self.app.pop_screen()
