-- Schema version 6 (HTTP intake), frozen like v1 (PostgreSQL). The senders of `tasktui intake serve`
-- with the SHA-256 of their token (never the token), and on the task the episode it
-- last counted (an alert's start time), so a resend of one episode counts once.
ALTER TABLE "task" ADD COLUMN "episode" VARCHAR(255);
CREATE TABLE "intake_source" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, "default_event" VARCHAR(255) NOT NULL, "routes" TEXT NOT NULL, "on_resolve" VARCHAR(255) NOT NULL, "token_hash" VARCHAR(255) NOT NULL, "user_id" INTEGER NOT NULL, "raises" INTEGER NOT NULL, "resolves" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "token_set_at" TIMESTAMP NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "intake_source_name" ON "intake_source" ("name");
CREATE UNIQUE INDEX "intake_source_token_hash" ON "intake_source" ("token_hash");
CREATE INDEX "intake_source_user_id" ON "intake_source" ("user_id");
CREATE TRIGGER "intake_source_notify" AFTER INSERT OR UPDATE OR DELETE ON "intake_source" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
