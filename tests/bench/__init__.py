"""`make bench`: performance figures of tasktui, printed as one JSON object.

Run with `python -m tests.bench [--tasks N]` (see `__main__.py` for the options and
for how to add a section). The benchmark prints figures; it never fails on a number.
Behaviour is checked by the tests, not here.
"""
