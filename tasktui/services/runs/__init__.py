"""The command wrapper (`tasktui run`): running a command and reporting its outcome as a task."""
