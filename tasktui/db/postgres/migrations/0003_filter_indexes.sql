-- Schema version 3 (task filter indexes), frozen like v1 (PostgreSQL). With "open and done" the
-- tasks screen filters by assignee, group or event without a status: these serve the
-- first page newest-first without sorting. The wide one answers counts of any filter
-- combination of one status from the index alone (no table reads).
CREATE INDEX "task_assignee_id_id" ON "task" ("assignee_id", "id");
CREATE INDEX "task_group_id_id" ON "task" ("group_id", "id");
CREATE INDEX "task_event_id_id" ON "task" ("event_id", "id");
CREATE INDEX "task_status_assignee_id_group_id_event_id" ON "task" ("status", "assignee_id", "group_id", "event_id");
