"""Fixtures of the reliability tests."""

from tests.reliability.mounts import tmpfs

#: `tmpfs` is a fixture: pytest finds it here, for the media tests.
__all__ = ["tmpfs"]
