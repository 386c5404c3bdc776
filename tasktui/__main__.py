"""`python -m tasktui` runs the command line."""

from tasktui.cli import main

main()
