-- Schema version 4 (count indexes without a status), frozen like v1 (PostgreSQL). A count reads
-- every entry it counts; these let counts of "open and done" or "done" (nine tasks in
-- ten) under assignee, group and event filters read index ranges that hold little but
-- their matches. Before, such counts read a table row per match or scanned a whole
-- status (over 100 ms at a million tasks). The second one serves "assigned to me
-- directly or via groups": my tasks outside my groups are ranges of it.
CREATE INDEX "task_assignee_id_event_id_status_group_id" ON "task" ("assignee_id", "event_id", "status", "group_id");
CREATE INDEX "task_assignee_id_group_id_event_id_status" ON "task" ("assignee_id", "group_id", "event_id", "status");
CREATE INDEX "task_group_id_event_id_status_assignee_id" ON "task" ("group_id", "event_id", "status", "assignee_id");
