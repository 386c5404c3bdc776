"""Pieces the screens share: task actions and the assignee picker (more to move here:
pickers, confirm, forms, help, key bar, palette commands)."""
