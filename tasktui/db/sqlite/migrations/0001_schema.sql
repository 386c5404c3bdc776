-- Schema version 1, frozen: later changes are new migrations, never edits here.
-- Every table of PRODUCT.md section 1 and its indexes, then full-text search over
-- title, description, link and attribute values (trigram, so any substring of three
-- characters or more is found, case-insensitively).
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "login" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255) NOT NULL, "email" VARCHAR(255), "active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "user_login" ON "user" ("login");
CREATE TABLE "user_group" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "user_group_name" ON "user_group" ("name");
CREATE TABLE "membership" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "group_id" INTEGER NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "membership_user_id_group_id" ON "membership" ("user_id", "group_id");
CREATE INDEX "membership_group_id_user_id" ON "membership" ("group_id", "user_id");
CREATE TABLE "user_setting" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "key" VARCHAR(255) NOT NULL, "value" TEXT NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "user_setting_user_id_key" ON "user_setting" ("user_id", "key");
CREATE TABLE "attribute_group" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label_en" VARCHAR(255) NOT NULL, "label_de" VARCHAR(255), "position" INTEGER NOT NULL);
CREATE UNIQUE INDEX "attribute_group_key" ON "attribute_group" ("key");
CREATE TABLE "attribute_def" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label_en" VARCHAR(255) NOT NULL, "label_de" VARCHAR(255), "type" VARCHAR(255) NOT NULL, "required" INTEGER NOT NULL, "default" TEXT, "choices" TEXT, "group_id" INTEGER, "position" INTEGER NOT NULL, FOREIGN KEY ("group_id") REFERENCES "attribute_group" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "attribute_def_key" ON "attribute_def" ("key");
CREATE INDEX "attribute_def_group_id" ON "attribute_def" ("group_id");
CREATE TABLE "attribute_set" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL);
CREATE UNIQUE INDEX "attribute_set_key" ON "attribute_set" ("key");
CREATE TABLE "attribute_set_item" ("id" INTEGER NOT NULL PRIMARY KEY, "attribute_set_id" INTEGER NOT NULL, "attribute_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, FOREIGN KEY ("attribute_set_id") REFERENCES "attribute_set" ("id") ON DELETE CASCADE, FOREIGN KEY ("attribute_id") REFERENCES "attribute_def" ("id") ON DELETE RESTRICT);
CREATE INDEX "attribute_set_item_attribute_id" ON "attribute_set_item" ("attribute_id");
CREATE UNIQUE INDEX "attribute_set_item_attribute_set_id_attribute_id" ON "attribute_set_item" ("attribute_set_id", "attribute_id");
CREATE TABLE "event" ("id" INTEGER NOT NULL PRIMARY KEY, "identifier" VARCHAR(255) NOT NULL, "name_en" VARCHAR(255) NOT NULL, "name_de" VARCHAR(255), "plugin" VARCHAR(255), "responsible_user_id" INTEGER, "responsible_group_id" INTEGER, "attribute_set_id" INTEGER, "obsolete" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("responsible_user_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("responsible_group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("attribute_set_id") REFERENCES "attribute_set" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "event_identifier" ON "event" ("identifier");
CREATE INDEX "event_responsible_user_id" ON "event" ("responsible_user_id");
CREATE INDEX "event_responsible_group_id" ON "event" ("responsible_group_id");
CREATE INDEX "event_attribute_set_id" ON "event" ("attribute_set_id");
CREATE TABLE "task" ("id" INTEGER NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "status" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "link" TEXT NOT NULL, "event_id" INTEGER NOT NULL, "plugin" VARCHAR(255), "assignee_id" INTEGER, "group_id" INTEGER, "done_at" DATETIME, "done_by_id" INTEGER, "dedup_key" VARCHAR(255), "occurrences" INTEGER NOT NULL, "last_seen_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE RESTRICT, FOREIGN KEY ("assignee_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("done_by_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "task_done_by_id" ON "task" ("done_by_id");
CREATE INDEX "task_status_id" ON "task" ("status", "id");
CREATE INDEX "task_assignee_id_status_id" ON "task" ("assignee_id", "status", "id");
CREATE INDEX "task_group_id_status_id" ON "task" ("group_id", "status", "id");
CREATE INDEX "task_event_id_status_id" ON "task" ("event_id", "status", "id");
CREATE INDEX "task_event_id_dedup_key_status" ON "task" ("event_id", "dedup_key", "status");
CREATE TABLE "task_attribute" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "attribute_id" INTEGER NOT NULL, "value" TEXT, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("attribute_id") REFERENCES "attribute_def" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "task_attribute_task_id_attribute_id" ON "task_attribute" ("task_id", "attribute_id");
CREATE INDEX "task_attribute_attribute_id_value" ON "task_attribute" ("attribute_id", "value");
CREATE TABLE "task_history" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "at" DATETIME NOT NULL, "actor_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "field" VARCHAR(255), "old" TEXT, "new" TEXT, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("actor_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "task_history_actor_id" ON "task_history" ("actor_id");
CREATE INDEX "task_history_task_id_id" ON "task_history" ("task_id", "id");
CREATE TABLE "comment" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "at" DATETIME NOT NULL, "author_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "comment_author_id" ON "comment" ("author_id");
CREATE INDEX "comment_task_id_id" ON "comment" ("task_id", "id");
CREATE TABLE "task_dependency" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "depends_on_id" INTEGER NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("depends_on_id") REFERENCES "task" ("id") ON DELETE CASCADE);
CREATE INDEX "task_dependency_depends_on_id" ON "task_dependency" ("depends_on_id");
CREATE UNIQUE INDEX "task_dependency_task_id_depends_on_id" ON "task_dependency" ("task_id", "depends_on_id");
CREATE TABLE "related_process" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "process_id" VARCHAR(255) NOT NULL, "source" VARCHAR(255) NOT NULL, "started_at" DATETIME, "exit_code" INTEGER, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE);
CREATE INDEX "related_process_task_id" ON "related_process" ("task_id");

CREATE VIRTUAL TABLE task_fts USING fts5(title, description, link, attrs, tokenize='trigram');
CREATE TRIGGER task_fts_ai AFTER INSERT ON task BEGIN
  INSERT INTO task_fts(rowid, title, description, link, attrs)
  VALUES (new.id, new.title, new.description, new.link, '');
END;
CREATE TRIGGER task_fts_au AFTER UPDATE OF title, description, link ON task BEGIN
  UPDATE task_fts SET title = new.title, description = new.description, link = new.link
  WHERE rowid = new.id;
END;
CREATE TRIGGER task_fts_ad AFTER DELETE ON task BEGIN
  DELETE FROM task_fts WHERE rowid = old.id;
END;
CREATE TRIGGER task_attr_fts_ai AFTER INSERT ON task_attribute BEGIN
  UPDATE task_fts SET attrs = (SELECT coalesce(group_concat(value, ' '), '')
    FROM task_attribute WHERE task_id = new.task_id) WHERE rowid = new.task_id;
END;
CREATE TRIGGER task_attr_fts_au AFTER UPDATE ON task_attribute BEGIN
  UPDATE task_fts SET attrs = (SELECT coalesce(group_concat(value, ' '), '')
    FROM task_attribute WHERE task_id = new.task_id) WHERE rowid = new.task_id;
END;
CREATE TRIGGER task_attr_fts_ad AFTER DELETE ON task_attribute BEGIN
  UPDATE task_fts SET attrs = (SELECT coalesce(group_concat(value, ' '), '')
    FROM task_attribute WHERE task_id = old.task_id) WHERE rowid = old.task_id;
END;
