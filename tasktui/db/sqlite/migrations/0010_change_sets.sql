-- Schema version 10 (change sets: undo of bulk actions), frozen like v1.
-- One change set per bulk action of one user, and per task the values the action
-- changed, before and after (JSON objects; null: the task did not exist).
-- And indexes on the task's created and done times, for the stats of a period.
CREATE TABLE "change_set" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "label" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL, "task_count" INTEGER NOT NULL, "history_mark" INTEGER NOT NULL, "undoes_id" INTEGER, "undone_by_id" INTEGER, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, FOREIGN KEY ("undoes_id") REFERENCES "change_set" ("id") ON DELETE SET NULL, FOREIGN KEY ("undone_by_id") REFERENCES "change_set" ("id") ON DELETE SET NULL);
CREATE INDEX "change_set_user_id_id" ON "change_set" ("user_id", "id");
CREATE TABLE "change_set_task" ("id" INTEGER NOT NULL PRIMARY KEY, "change_set_id" INTEGER NOT NULL, "task_id" INTEGER NOT NULL, "before" TEXT, "after" TEXT, FOREIGN KEY ("change_set_id") REFERENCES "change_set" ("id") ON DELETE CASCADE);
CREATE INDEX "change_set_task_change_set_id_task_id" ON "change_set_task" ("change_set_id", "task_id");
CREATE INDEX "task_created_at" ON "task" ("created_at");
CREATE INDEX "task_done_at" ON "task" ("done_at");
