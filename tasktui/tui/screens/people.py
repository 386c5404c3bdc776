"""The people screen (issue 18.3): users (login, name, email, active, open tasks
assigned, groups) above groups (members, open tasks, description).

Add, edit and (de)activate users; add, edit groups and add/remove members; delete a
user or group (refused with the counts while tasks, events or history refer to it:
deactivate instead); merge a duplicate user into another. The keys act on the table
that has the focus (Tab switches). People are few (tens to hundreds): both lists are
read whole through `services.people_admin` on each change, off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from tasktui.services import people, people_admin
from tasktui.services.people_admin import GroupRow, UserRow
from tasktui.tui.screens.attribute_forms import FormField, FormScreen
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.picker import PickerScreen


def _people(values: list[str]) -> str:
    return visible_line(" ".join(values)) if values else "–"


class PeopleScreen(ScreenWithHelp):
    """Users and groups, managed from the keyboard (or the mouse)."""

    AUTO_FOCUS = "#people-users"

    BINDINGS = [
        Binding("n", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("x", "toggle_active", "(De)activate"),
        Binding("m", "members", "Members…"),
        Binding("M", "merge", "Merge into…"),
        Binding("D", "delete", "Delete"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__(id="people-screen")
        self.users: list[UserRow] = []
        self.groups: list[GroupRow] = []
        #: A user or group just added: the next list puts the cursor on it.
        self._added_user: str | None = None
        self._added_group: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Users", classes="people-title")
        yield DataTable(id="people-users", cursor_type="row", zebra_stripes=True)
        yield Static("Groups", classes="people-title")
        yield DataTable(id="people-groups", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        users = self.query_one("#people-users", DataTable)
        users.add_columns("Login", "Name", "Email", "Active", "Open", "Groups")
        groups = self.query_one("#people-groups", DataTable)
        groups.add_columns("Group", "Open", "Members", "Description")
        self.reload()

    def data_changed(self) -> None:
        """Live refresh: someone changed the database."""
        self.reload()

    def reload(self) -> None:
        """Read both lists again (in a worker) and show them."""

        def read() -> tuple[list[UserRow], list[GroupRow]]:
            return people_admin.user_rows(), people_admin.group_rows()

        self.app.backend.run(read, on_done=self._show, owner=self, group="people-read", exclusive=True)

    def _show(self, rows: tuple[list[UserRow], list[GroupRow]]) -> None:
        old_user, old_group = self._user(), self._group()
        self.users, self.groups = rows
        # the cursor stays on its user and group (or goes to the one just added); a row
        # that is gone leaves it at the same place
        want_user = self._added_user or (old_user.login if old_user else None)
        want_group = self._added_group or (old_group.name if old_group else None)
        self._added_user = self._added_group = None
        users = self.query_one("#people-users", DataTable)
        row, column = users.cursor_coordinate
        users.clear()
        for u in self.users:
            users.add_row(
                visible_line(u.login), visible_line(u.display_name), visible_line(u.email or "–"),
                "yes" if u.active else "no", f"{u.open_tasks:,}", _people(u.groups), key=u.login,
            )  # fmt: skip
        row = next((i for i, u in enumerate(self.users) if u.login == want_user), row)
        users.move_cursor(row=min(row, max(len(self.users) - 1, 0)), column=column)
        groups = self.query_one("#people-groups", DataTable)
        row, column = groups.cursor_coordinate
        groups.clear()
        for g in self.groups:
            groups.add_row(
                visible_line(g.name), f"{g.open_tasks:,}", _people(g.members), visible_line(g.description or "–"),
                key=g.name,
            )  # fmt: skip
        row = next((i for i, g in enumerate(self.groups) if g.name == want_group), row)
        groups.move_cursor(row=min(row, max(len(self.groups) - 1, 0)), column=column)

    # ------------------------------------------------------------------ what the keys act on

    def _on_groups(self) -> bool:
        return self.focused is self.query_one("#people-groups", DataTable)

    def _user(self) -> UserRow | None:
        table = self.query_one("#people-users", DataTable)
        return self.users[table.cursor_row] if self.users and 0 <= table.cursor_row < len(self.users) else None

    def _group(self) -> GroupRow | None:
        table = self.query_one("#people-groups", DataTable)
        return self.groups[table.cursor_row] if self.groups and 0 <= table.cursor_row < len(self.groups) else None

    def _done(self, message: str | None) -> None:
        if message:
            self.notify(message)
            self.reload()

    def _call(self, fn: Callable[[], str]) -> None:
        """Run a service call in a worker; say what it did, or the refusal."""
        self.app.backend.run(fn, on_done=self._done, owner=self, group="people-write")

    # ------------------------------------------------------------------ actions

    def action_add(self) -> None:
        """Add a user (users table) or a group (groups table)."""
        actor = self.app.actor
        if self._on_groups():
            fields = [FormField("name", "Name"), FormField("description", "Description")]

            def add_group(v: dict) -> str:
                name = people.add_group(str(v["name"]), str(v["description"]), actor=actor).name
                self._added_group = name  # the next list puts the cursor on it
                return f"added group {name}"

            self.app.push_screen(FormScreen("New group", fields, add_group), self._done)
            return
        fields = [FormField("login", "Login"), FormField("name", "Name"), FormField("email", "Email")]

        def add_user(v: dict) -> str:
            info = people.add_user(str(v["login"]), str(v["name"]), str(v["email"]) or None, actor=actor)
            self._added_user = info.login  # the next list puts the cursor on it
            return f"added user {info.login}"

        self.app.push_screen(FormScreen("New user", fields, add_user), self._done)

    def action_edit(self) -> None:
        """Edit the user's name and email, or the group's name and description."""
        actor = self.app.actor
        if self._on_groups():
            group = self._group()
            if group is None:
                return
            fields = [
                FormField("name", "Name", value=group.name),
                FormField("description", "Description", value=group.description),
            ]

            def edit_group(v: dict) -> str:
                info = people_admin.edit_group(group.name, str(v["name"]), str(v["description"]), actor=actor)
                return f"updated group {info.name}"

            self.app.push_screen(FormScreen(f"Group {group.name}", fields, edit_group), self._done)
            return
        user = self._user()
        if user is None:
            return
        fields = [
            FormField("login", "Login", value=user.login, locked=True),
            FormField("name", "Name", value=user.display_name),
            FormField("email", "Email", value=user.email or ""),
        ]

        def edit_user(v: dict) -> str:
            info = people.edit_user(user.login, str(v["name"]), str(v["email"]), actor=actor)
            return f"updated user {info.login}"

        self.app.push_screen(FormScreen(f"User {user.login}", fields, edit_user), self._done)

    def action_toggle_active(self) -> None:
        """Deactivate the user (no new tasks can be assigned to them), or activate again."""
        user = self._user()
        if user is None or self._on_groups():
            self.notify("Select a user to (de)activate", severity="warning")
            return
        actor = self.app.actor

        def toggle() -> str:
            info = people.edit_user(user.login, active=not user.active, actor=actor)
            return f"{info.login} is {'active' if info.active else 'inactive'}"

        self._call(toggle)

    def action_members(self) -> None:
        """Add or remove a member of the group: the picker marks the members (✓)."""
        group = self._group()
        if group is None:
            return
        if not self._on_groups():
            self.query_one("#people-groups", DataTable).focus()
        items = [
            (u.login, f"{'✓' if u.login in group.members else ' '} {u.login} ({u.display_name})") for u in self.users
        ]
        actor = self.app.actor

        def chosen(login: str | None) -> None:
            if not login:
                return
            if login in group.members:
                self._call(lambda: _removed(people.remove_member(group.name, login, actor=actor).name, login))
            else:
                self._call(lambda: _added(people.add_member(group.name, login, actor=actor).name, login))

        self.app.push_screen(PickerScreen(f"Add or remove a member of {group.name}", items), chosen)

    def action_merge(self) -> None:
        """Merge the user (a duplicate) into another one: tasks move, history stays."""
        user = self._user()
        if user is None or self._on_groups():
            self.notify("Select the duplicate user to merge", severity="warning")
            return
        items = [(u.login, f"{u.login} ({u.display_name})") for u in self.users if u.login != user.login and u.active]
        actor = self.app.actor

        def chosen(target: str | None) -> None:
            if not target:
                return
            text = (
                f"{user.login}'s tasks ({user.open_tasks:,} open), responsible events and groups move to {target}; "
                f"{user.login} becomes inactive and keeps its history entries and comments."
            )

            def answered(choice: str | None) -> None:
                if choice == "merge":
                    self._call(lambda: people_admin.merge_user(user.login, target, actor=actor).summary())

            choices = [Choice("cancel", "Cancel", "n"), Choice("merge", "Merge", "y", "warning")]
            self.app.push_screen(ChoiceScreen(f"Merge {user.login} into {target}?", text, choices), answered)

        self.app.push_screen(PickerScreen(f"Merge {user.login} into", items), chosen)

    def action_delete(self) -> None:
        """Delete the user or group (refused with the counts when anything refers to it)."""
        actor = self.app.actor
        if self._on_groups():
            group = self._group()
            if group is None:
                return
            what, name = "group", group.name

            def delete() -> str:
                people_admin.delete_group(name, actor=actor)
                return f"deleted group {name}"
        else:
            user = self._user()
            if user is None:
                return
            what, name = "user", user.login

            def delete() -> str:
                people_admin.delete_user(name, actor=actor)
                return f"deleted user {name}"

        def answered(choice: str | None) -> None:
            if choice == "delete":
                self._call(delete)

        choices = [Choice("cancel", "Cancel", "n"), Choice("delete", "Delete", "y", "error")]
        text = f"Only a {what} nothing refers to can be deleted; otherwise you are told what does."
        self.app.push_screen(ChoiceScreen(f"Delete {what} {name}?", text, choices), answered)

    def action_back(self) -> None:
        """Back to the tasks screen."""
        self.app.pop_screen()


def _added(group: str, login: str) -> str:
    return f"group {group}: added {login}"


def _removed(group: str, login: str) -> str:
    return f"group {group}: removed {login}"
