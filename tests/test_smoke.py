"""The CLI end to end through the shared fixtures: a first raise and listing."""


def test_init_raise_list(cli):
    assert cli("init").exit_code == 0
    assert cli("event", "create", "smoke_event", "--name", "Difference in stock").exit_code == 0
    raised = cli("raise", "smoke_event", "--title", "count differs", "--format", "ids")
    assert raised.exit_code == 0
    listed = cli("task", "list", "--format", "ids")
    assert listed.stdout.split() == [raised.stdout.strip()]
