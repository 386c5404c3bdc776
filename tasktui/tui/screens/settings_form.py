"""The settings screen's SMTP form: its fields, Save (checked, in a worker), the test
message, "apply the default". A part of `SettingsScreen` (tui/screens/settings.py),
which composes the widgets and holds the state.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Select, Static

from tasktui.errors import Invalid, TaskTuiError
from tasktui.services.mail.settings import SmtpSettings, set_apply_default, update_settings
from tasktui.tui.screens import settings_lists as lists
from tasktui.tui.screens.settings_panels import SettingsListsPart
from tasktui.tui.widgets.toggles import Checkbox

#: (input id, label, placeholder) of the text fields of the form, in order.
FIELDS = [
    ("email-host", "SMTP host", "smtp.example.com"),
    ("email-port", "Port", "default of the security mode"),
    ("email-login", "Login", "none"),
    ("email-from", "From address", "tasks@example.com"),
    ("email-password-env", "Password variable", "NAME of an environment variable"),
    ("email-password-file", "Password file", "/absolute/path (chmod 600)"),
    ("email-ca-file", "CA file", "extra CA certificates (PEM), optional"),
    ("email-test-address", "Send a test to", "you@example.com"),
]
#: The fields that are settings (the test address is not saved).
SAVED_FIELDS = [field_id for field_id, _, _ in FIELDS if field_id != "email-test-address"]


class SmtpFormPart(SettingsListsPart):
    """The form of the settings screen (its lists are the part below)."""

    #: The form's values as last loaded or saved: what "unsaved edits" compares with.
    saved_form: dict[str, object]
    loaded: bool
    saving: bool

    @staticmethod
    def _row(field_id: str, label: str, placeholder: str) -> ComposeResult:
        with Horizontal(classes="email-row"):
            yield Label(label, classes="email-label")
            yield Input(placeholder=placeholder, id=field_id, compact=True)

    def _input(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def _form_values(self) -> dict[str, object]:
        values: dict[str, object] = {field_id: self._input(field_id).value for field_id in SAVED_FIELDS}
        values["email-security"] = self.query_one("#email-security", Select).value
        return values

    @property
    def dirty(self) -> bool:
        """Whether the form holds edits not saved yet (the test address is not one)."""
        return self.loaded and self._form_values() != self.saved_form

    def _show_form(self, form: lists.SettingsForm) -> None:
        """Fill the form from the saved settings, with their warnings."""
        s = self.settings = form.settings
        values = {
            "email-host": s.host,
            "email-port": str(s.port) if s.port else "",
            "email-login": s.login,
            "email-from": s.from_address,
            "email-password-env": s.password_env or "",
            "email-password-file": s.password_file or "",
            "email-ca-file": s.ca_file or "",
        }
        for field_id, value in values.items():
            self._input(field_id).value = value
        self.query_one("#email-security", Select).value = s.security
        self.query_one("#email-apply-default", Checkbox).value = s.apply_default
        self.saved_form = self._form_values()
        text = "\n".join(f"⚠ {w}" for w in form.warnings) if form.warnings else "Settings are complete."
        self._show_message(text, error=False)

    def _show_message(self, text: str, error: bool) -> None:
        message = self.query_one("#email-form-message", Static)
        message.update(Text(text))
        message.set_class(error, "-error")

    # -- the form -----------------------------------------------------------------

    def _form_changes(self) -> dict[str, object]:
        port_text = self._input("email-port").value.strip()
        if port_text and not port_text.isdigit():
            raise Invalid(f"the port must be a number, not {port_text!r}")
        env = self._input("email-password-env").value.strip()
        path = self._input("email-password-file").value.strip()
        if env and path:
            raise Invalid("fill in either the password variable or the password file, not both")
        return {
            "host": self._input("email-host").value,
            "port": int(port_text) if port_text else None,
            "default_port": not port_text,
            "security": str(self.query_one("#email-security", Select).value),
            "login": self._input("email-login").value,
            "from_address": self._input("email-from").value,
            "password_env": env or None,
            "password_file": path or None,
            "no_password": not env and not path,
            "ca_file": self._input("email-ca-file").value,
        }

    def action_save(self, then_leave: bool = False) -> None:
        """Check and save the form (in a worker); errors are shown under the buttons."""
        if self.saving or not self.loaded:
            return
        try:
            changes = self._form_changes()
        except TaskTuiError as e:
            self._refused(e)
            return
        self.saving = True
        actor = self.actor

        def save() -> lists.SettingsForm:
            update_settings(**changes, actor=actor)  # type: ignore[arg-type]
            return lists.read_form()

        def saved(form: lists.SettingsForm) -> None:
            self.saving = False
            self._show_form(form)
            self.notify("Email settings saved.")
            if then_leave:
                self._leave()

        def refused(e: TaskTuiError) -> None:
            self.saving = False
            self._refused(e)

        self.app.backend.run(save, on_done=saved, on_error=refused, owner=self, group="settings-save")

    def _refused(self, e: TaskTuiError) -> None:
        self._show_message(f"✗ {e}", error=True)
        self.notify(str(e), severity="error")

    @on(Button.Pressed, "#email-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#email-test")
    def _test_pressed(self) -> None:
        self.action_send_test()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "email-test-address":
            self.action_send_test()
        else:
            self.action_save()

    def action_send_test(self) -> None:
        """Send a test message to the address in the form, with the saved settings."""
        address = self._input("email-test-address").value.strip()
        if not address:
            self._show_message("✗ type the address to send the test message to", error=True)
            self._input("email-test-address").focus()
            return
        self._show_message(f"Sending a test message to {address}…", error=False)
        self._send_test(address)

    def _send_test(self, address: str) -> None:
        """Send in a worker (an SMTP exchange takes seconds); say what the server said."""
        from tasktui.services.mail.delivery import send_test_message

        def refused(error: TaskTuiError) -> None:
            self._show_message(f"✗ not sent: {error}", True)
            self.notify(str(error), severity="error", timeout=6)

        self.app.backend.run(
            send_test_message,
            address,
            on_done=lambda reply: self._show_message(f"✓ server answered: {reply}", False),
            on_error=refused,
            owner=self,
            group="email-test",
            exclusive=True,
        )

    @on(Checkbox.Changed, "#email-apply-default")
    def _apply_default_changed(self, event: Checkbox.Changed) -> None:
        on = event.value
        if on == self.settings.apply_default:
            return  # drawn from the settings, not switched by the user

        def switched(settings: SmtpSettings) -> None:
            self.settings = settings
            self.reload_lists(self._selected_event())
            self.notify(
                "Every event sends email." if settings.apply_default else "Only the events switched on send email."
            )

        self.app.backend.run(
            lambda: set_apply_default(on, actor=self.actor), on_done=switched, owner=self, group="settings-write"
        )

    def _leave(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
