-- Schema version 5 (audit log), frozen like v1. Changes to events, people,
-- attributes and email settings, one row per changed field. The actor is the login as
-- text (not a key of `user`): an audit row must outlive anything done to the user.
CREATE TABLE "audit_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor" VARCHAR(255), "os_login" VARCHAR(255) NOT NULL, "entity" VARCHAR(255) NOT NULL, "entity_key" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "field" VARCHAR(255), "old" TEXT, "new" TEXT);
CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");
CREATE INDEX "audit_entry_entity_id" ON "audit_entry" ("entity", "id");
