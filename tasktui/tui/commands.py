"""The command palette's list of the current screen's actions.

Generated from the active bindings of the screen the palette was opened from, so the
palette, the footer and the help screen always list the same actions with the same
descriptions (one table of actions: the screens' BINDINGS)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tasktui.tui.screens.help import screen_keys

#: Actions of the app itself that the built-in system commands already offer.
_SKIPPED = {"command_palette"}


class ScreenActionsProvider(Provider):
    """Every described binding of the current screen as a palette command."""

    def _commands(self) -> list[tuple[str, str, object]]:
        commands = []
        for key in screen_keys(self.screen):
            if key.action in _SKIPPED or key.node is None:
                continue
            commands.append((key.description, f"Key: {key.keys}", partial(key.node.run_action, key.action)))
        return commands

    async def discover(self) -> Hits:
        """All actions, for the palette opened with nothing typed."""
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Actions whose description matches what was typed."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
