-- Schema version 9 (triage: severity, acknowledge, snooze, saved views), frozen like v1 (PostgreSQL).
-- Severity is a rank (1 low, 2 normal, 3 high, 4 critical: descending puts critical
-- first) on events (the default of their tasks) and on tasks; an open task may be
-- acknowledged (by whom, when) and snoozed until a time (awake again once it passed,
-- computed at query time). Saved views are a user's named filters (JSON), optionally
-- shared with everyone.
ALTER TABLE "event" ADD COLUMN "severity" INTEGER NOT NULL DEFAULT 2;
ALTER TABLE "task" ADD COLUMN "severity" INTEGER NOT NULL DEFAULT 2;
ALTER TABLE "task" ADD COLUMN "acknowledged_by_id" INTEGER REFERENCES "user" ("id") ON DELETE RESTRICT;
ALTER TABLE "task" ADD COLUMN "acknowledged_at" TIMESTAMP;
ALTER TABLE "task" ADD COLUMN "snoozed_until" TIMESTAMP;
CREATE INDEX "task_status_severity_id" ON "task" ("status", "severity", "id");
CREATE INDEX "task_severity_id" ON "task" ("severity", "id");
CREATE INDEX "task_snoozed_until" ON "task" ("snoozed_until");
CREATE TABLE "saved_view" ("id" SERIAL NOT NULL PRIMARY KEY, "owner_id" INTEGER NOT NULL, "name" VARCHAR(255) NOT NULL, "shared" BOOLEAN NOT NULL, "spec" TEXT NOT NULL, "position" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "saved_view_owner_id_name" ON "saved_view" ("owner_id", "name");
CREATE INDEX "saved_view_shared" ON "saved_view" ("shared");
CREATE TRIGGER "saved_view_notify" AFTER INSERT OR UPDATE OR DELETE ON "saved_view" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
