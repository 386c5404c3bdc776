-- Schema version 12 (the search document in its own table), frozen like v1
-- (PostgreSQL; SQLite's FTS5 index is a table of its own already).
-- The document of each task (title, description, link and attribute values, as
-- tasktui_task_doc of migration 1 makes it) moves out of the task row into
-- task_search, with the trigram index: a bulk change of status or assignee rewrites
-- task rows that no longer carry the document, and adds nothing to the trigram index.
-- Kept by triggers: a statement trigger on insert of tasks, a row trigger on an
-- update that changes title, description or link, and the statement triggers of
-- migration 1 on task_attribute (their function now writes task_search; a document
-- that stays the same is not rewritten). Deleting a task deletes its document.
-- No notify trigger: task_search changes only with task or task_attribute, which
-- notify.
CREATE TABLE "task_search" ("task_id" INTEGER NOT NULL PRIMARY KEY, "doc" TEXT NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE);
INSERT INTO "task_search" ("task_id", "doc") SELECT "id", "search_doc" FROM "task";
DROP TRIGGER "task_search_doc" ON "task";
DROP FUNCTION tasktui_task_doc_row();
DROP INDEX "task_search_doc_trgm";
ALTER TABLE "task" DROP COLUMN "search_doc";
CREATE INDEX "task_search_doc_trgm" ON "task_search" USING gin ("doc" gin_trgm_ops);
CREATE FUNCTION tasktui_task_doc_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_search (task_id, doc)
  SELECT n.id, tasktui_task_doc(n.id, n.title, n.description, n.link) FROM new_tasks n
  ON CONFLICT (task_id) DO UPDATE SET doc = EXCLUDED.doc WHERE task_search.doc IS DISTINCT FROM EXCLUDED.doc;
  RETURN NULL;
END $$;
CREATE TRIGGER "task_search_insert" AFTER INSERT ON "task"
  REFERENCING NEW TABLE AS new_tasks FOR EACH STATEMENT EXECUTE FUNCTION tasktui_task_doc_insert();
CREATE FUNCTION tasktui_task_doc_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_search (task_id, doc) VALUES (NEW.id, tasktui_task_doc(NEW.id, NEW.title, NEW.description, NEW.link))
  ON CONFLICT (task_id) DO UPDATE SET doc = EXCLUDED.doc WHERE task_search.doc IS DISTINCT FROM EXCLUDED.doc;
  RETURN NULL;
END $$;
CREATE TRIGGER "task_search_update" AFTER UPDATE OF title, description, link ON "task" FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description OR OLD.link IS DISTINCT FROM NEW.link)
  EXECUTE FUNCTION tasktui_task_doc_update();
CREATE OR REPLACE FUNCTION tasktui_attribute_doc_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_search (task_id, doc)
  SELECT t.id, tasktui_task_doc(t.id, t.title, t.description, t.link) FROM task t
  WHERE t.id IN (SELECT DISTINCT task_id FROM changed_rows)
  ON CONFLICT (task_id) DO UPDATE SET doc = EXCLUDED.doc WHERE task_search.doc IS DISTINCT FROM EXCLUDED.doc;
  RETURN NULL;
END $$;
ANALYZE "task_search";
