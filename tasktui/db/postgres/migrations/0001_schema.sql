-- Schema version 1 for PostgreSQL, frozen: later changes are new migrations, never
-- edits here. Every table of PRODUCT.md section 1 and its indexes (the same as
-- SQLite's, in PostgreSQL types), the schema version, text search over one search
-- document per task, a partial unique index behind the dedup rule, and change
-- notifications for live refresh.
CREATE TABLE "user" ("id" SERIAL NOT NULL PRIMARY KEY, "login" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255) NOT NULL, "email" VARCHAR(255), "active" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL);
CREATE UNIQUE INDEX "user_login" ON "user" ("login");
CREATE TABLE "user_group" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL);
CREATE UNIQUE INDEX "user_group_name" ON "user_group" ("name");
CREATE TABLE "membership" ("id" SERIAL NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "group_id" INTEGER NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "membership_user_id_group_id" ON "membership" ("user_id", "group_id");
CREATE INDEX "membership_group_id_user_id" ON "membership" ("group_id", "user_id");
CREATE TABLE "user_setting" ("id" SERIAL NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "key" VARCHAR(255) NOT NULL, "value" TEXT NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "user_setting_user_id_key" ON "user_setting" ("user_id", "key");
CREATE TABLE "attribute_group" ("id" SERIAL NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label_en" VARCHAR(255) NOT NULL, "label_de" VARCHAR(255), "position" INTEGER NOT NULL);
CREATE UNIQUE INDEX "attribute_group_key" ON "attribute_group" ("key");
CREATE TABLE "attribute_def" ("id" SERIAL NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label_en" VARCHAR(255) NOT NULL, "label_de" VARCHAR(255), "type" VARCHAR(255) NOT NULL, "required" BOOLEAN NOT NULL, "default" TEXT, "choices" TEXT, "group_id" INTEGER, "position" INTEGER NOT NULL, FOREIGN KEY ("group_id") REFERENCES "attribute_group" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "attribute_def_key" ON "attribute_def" ("key");
CREATE INDEX "attribute_def_group_id" ON "attribute_def" ("group_id");
CREATE TABLE "attribute_set" ("id" SERIAL NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL);
CREATE UNIQUE INDEX "attribute_set_key" ON "attribute_set" ("key");
CREATE TABLE "attribute_set_item" ("id" SERIAL NOT NULL PRIMARY KEY, "attribute_set_id" INTEGER NOT NULL, "attribute_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, FOREIGN KEY ("attribute_set_id") REFERENCES "attribute_set" ("id") ON DELETE CASCADE, FOREIGN KEY ("attribute_id") REFERENCES "attribute_def" ("id") ON DELETE RESTRICT);
CREATE INDEX "attribute_set_item_attribute_id" ON "attribute_set_item" ("attribute_id");
CREATE UNIQUE INDEX "attribute_set_item_attribute_set_id_attribute_id" ON "attribute_set_item" ("attribute_set_id", "attribute_id");
CREATE TABLE "event" ("id" SERIAL NOT NULL PRIMARY KEY, "identifier" VARCHAR(255) NOT NULL, "name_en" VARCHAR(255) NOT NULL, "name_de" VARCHAR(255), "plugin" VARCHAR(255), "responsible_user_id" INTEGER, "responsible_group_id" INTEGER, "attribute_set_id" INTEGER, "obsolete" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, FOREIGN KEY ("responsible_user_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("responsible_group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("attribute_set_id") REFERENCES "attribute_set" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "event_identifier" ON "event" ("identifier");
CREATE INDEX "event_responsible_user_id" ON "event" ("responsible_user_id");
CREATE INDEX "event_responsible_group_id" ON "event" ("responsible_group_id");
CREATE INDEX "event_attribute_set_id" ON "event" ("attribute_set_id");
CREATE TABLE "task" ("id" SERIAL NOT NULL PRIMARY KEY, "created_at" TIMESTAMP NOT NULL, "status" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "link" TEXT NOT NULL, "event_id" INTEGER NOT NULL, "plugin" VARCHAR(255), "assignee_id" INTEGER, "group_id" INTEGER, "done_at" TIMESTAMP, "done_by_id" INTEGER, "dedup_key" VARCHAR(255), "occurrences" INTEGER NOT NULL, "last_seen_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE RESTRICT, FOREIGN KEY ("assignee_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("done_by_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "task_done_by_id" ON "task" ("done_by_id");
CREATE INDEX "task_status_id" ON "task" ("status", "id");
CREATE INDEX "task_assignee_id_status_id" ON "task" ("assignee_id", "status", "id");
CREATE INDEX "task_group_id_status_id" ON "task" ("group_id", "status", "id");
CREATE INDEX "task_event_id_status_id" ON "task" ("event_id", "status", "id");
CREATE INDEX "task_event_id_dedup_key_status" ON "task" ("event_id", "dedup_key", "status");
CREATE TABLE "task_attribute" ("id" SERIAL NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "attribute_id" INTEGER NOT NULL, "value" TEXT, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("attribute_id") REFERENCES "attribute_def" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "task_attribute_task_id_attribute_id" ON "task_attribute" ("task_id", "attribute_id");
CREATE INDEX "task_attribute_attribute_id_value" ON "task_attribute" ("attribute_id", "value");
CREATE TABLE "task_history" ("id" SERIAL NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "at" TIMESTAMP NOT NULL, "actor_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "field" VARCHAR(255), "old" TEXT, "new" TEXT, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("actor_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "task_history_actor_id" ON "task_history" ("actor_id");
CREATE INDEX "task_history_task_id_id" ON "task_history" ("task_id", "id");
CREATE TABLE "comment" ("id" SERIAL NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "at" TIMESTAMP NOT NULL, "author_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "comment_author_id" ON "comment" ("author_id");
CREATE INDEX "comment_task_id_id" ON "comment" ("task_id", "id");
CREATE TABLE "task_dependency" ("id" SERIAL NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "depends_on_id" INTEGER NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("depends_on_id") REFERENCES "task" ("id") ON DELETE CASCADE);
CREATE INDEX "task_dependency_depends_on_id" ON "task_dependency" ("depends_on_id");
CREATE UNIQUE INDEX "task_dependency_task_id_depends_on_id" ON "task_dependency" ("task_id", "depends_on_id");
CREATE TABLE "related_process" ("id" SERIAL NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "process_id" VARCHAR(255) NOT NULL, "source" VARCHAR(255) NOT NULL, "started_at" TIMESTAMP, "exit_code" INTEGER, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE);
CREATE INDEX "related_process_task_id" ON "related_process" ("task_id");

-- The schema version and the mark that the database is tasktui's (SQLite keeps both
-- in its file header).
CREATE TABLE "tasktui_schema" ("application" VARCHAR(32) NOT NULL, "version" INTEGER NOT NULL);

-- Text search: one document per task (title, description, link and attribute values,
-- separated by U+001F), kept by triggers, with a trigram index answering ILIKE for
-- any substring of three characters or more. pg_trgm is a trusted extension: the
-- database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE "task" ADD COLUMN "search_doc" TEXT NOT NULL DEFAULT '';
CREATE FUNCTION tasktui_task_doc(task_id INTEGER, title TEXT, description TEXT, link TEXT) RETURNS TEXT
LANGUAGE sql STABLE AS $$
  SELECT title || chr(31) || description || chr(31) || link || chr(31) || coalesce(
    (SELECT string_agg(a.value, chr(31) ORDER BY a.attribute_id) FROM task_attribute a WHERE a.task_id = $1), '')
$$;
CREATE FUNCTION tasktui_task_doc_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_doc := tasktui_task_doc(NEW.id, NEW.title, NEW.description, NEW.link);
  RETURN NEW;
END $$;
CREATE TRIGGER "task_search_doc" BEFORE INSERT OR UPDATE OF title, description, link ON "task"
  FOR EACH ROW EXECUTE FUNCTION tasktui_task_doc_row();
CREATE FUNCTION tasktui_attribute_doc_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE task t SET search_doc = tasktui_task_doc(t.id, t.title, t.description, t.link)
  WHERE t.id IN (SELECT DISTINCT task_id FROM changed_rows);
  RETURN NULL;
END $$;
CREATE TRIGGER "task_attribute_doc_insert" AFTER INSERT ON "task_attribute"
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION tasktui_attribute_doc_new();
CREATE TRIGGER "task_attribute_doc_update" AFTER UPDATE ON "task_attribute"
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION tasktui_attribute_doc_new();
CREATE TRIGGER "task_attribute_doc_delete" AFTER DELETE ON "task_attribute"
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION tasktui_attribute_doc_new();
CREATE INDEX "task_search_doc_trgm" ON "task" USING gin ("search_doc" gin_trgm_ops);

-- The dedup rule (one open task per event and dedup key), backed by the database:
-- writers also take an advisory lock per key, so this never fires in normal use.
CREATE UNIQUE INDEX "task_open_dedup_key" ON "task" ("event_id", "dedup_key") WHERE "status" = 'open' AND "dedup_key" IS NOT NULL;

-- Live refresh: every committed change to a table the screens show notifies
-- listeners on the channel `tasktui_changes` (identical notifications of one
-- transaction arrive as one).
CREATE FUNCTION tasktui_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tasktui_changes', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER "user_notify" AFTER INSERT OR UPDATE OR DELETE ON "user" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "user_group_notify" AFTER INSERT OR UPDATE OR DELETE ON "user_group" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "membership_notify" AFTER INSERT OR UPDATE OR DELETE ON "membership" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "user_setting_notify" AFTER INSERT OR UPDATE OR DELETE ON "user_setting" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "attribute_group_notify" AFTER INSERT OR UPDATE OR DELETE ON "attribute_group" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "attribute_def_notify" AFTER INSERT OR UPDATE OR DELETE ON "attribute_def" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "attribute_set_notify" AFTER INSERT OR UPDATE OR DELETE ON "attribute_set" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "attribute_set_item_notify" AFTER INSERT OR UPDATE OR DELETE ON "attribute_set_item" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "event_notify" AFTER INSERT OR UPDATE OR DELETE ON "event" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "task_notify" AFTER INSERT OR UPDATE OR DELETE ON "task" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "task_attribute_notify" AFTER INSERT OR UPDATE OR DELETE ON "task_attribute" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "task_history_notify" AFTER INSERT OR UPDATE OR DELETE ON "task_history" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "comment_notify" AFTER INSERT OR UPDATE OR DELETE ON "comment" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "task_dependency_notify" AFTER INSERT OR UPDATE OR DELETE ON "task_dependency" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "related_process_notify" AFTER INSERT OR UPDATE OR DELETE ON "related_process" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
