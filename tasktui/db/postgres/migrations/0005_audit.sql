-- Schema version 5 (audit log), frozen like v1 (PostgreSQL). Changes to events, people,
-- attributes and email settings, one row per changed field. The actor is the login as
-- text (not a key of `user`): an audit row must outlive anything done to the user.
CREATE TABLE "audit_entry" ("id" SERIAL NOT NULL PRIMARY KEY, "at" TIMESTAMP NOT NULL, "actor" VARCHAR(255), "os_login" VARCHAR(255) NOT NULL, "entity" VARCHAR(255) NOT NULL, "entity_key" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "field" VARCHAR(255), "old" TEXT, "new" TEXT);
CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");
CREATE INDEX "audit_entry_entity_id" ON "audit_entry" ("entity", "id");
CREATE TRIGGER "audit_entry_notify" AFTER INSERT OR UPDATE OR DELETE ON "audit_entry" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
