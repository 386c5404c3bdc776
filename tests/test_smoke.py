"""The CLI end to end through the shared fixtures: a first raise and listing."""


def test_init_raise_list(cli):
    assert cli("init").exit_code == 0
    assert cli("event", "create", "stock_diff", "--name", "Difference in stock").exit_code == 0
    raised = cli("raise", "stock_diff", "--title", "count differs", "--format", "ids")
    assert raised.exit_code == 0
    listed = cli("task", "list", "--format", "ids")
    assert listed.stdout.split() == [raised.stdout.strip()]
