-- Schema version 7 (browser mode), frozen like v1 (PostgreSQL). Login tokens of `tasktui web`:
-- only the SHA-256 of each secret is stored; a revoked token keeps its row.
CREATE TABLE "web_token" ("id" SERIAL NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "token_hash" VARCHAR(255) NOT NULL, "created_at" TIMESTAMP NOT NULL, "created_by" VARCHAR(255) NOT NULL, "last_used_at" TIMESTAMP, "revoked_at" TIMESTAMP, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "web_token_token_hash" ON "web_token" ("token_hash");
CREATE INDEX "web_token_user_id" ON "web_token" ("user_id");
CREATE TRIGGER "web_token_notify" AFTER INSERT OR UPDATE OR DELETE ON "web_token" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
