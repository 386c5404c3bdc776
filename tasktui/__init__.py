"""tasktui: a terminal task tracker for the work machines could not finish."""

__version__ = "0.1.0"
