-- Schema version 8 (notification channels and escalation), frozen like v1 (PostgreSQL).
-- Channels with their routes, escalation rules and
-- the escalations sent (unique per task and rule: each escalation once), and the
-- outbox learns a kind (email or channel), a channel, a reason and a webhook payload.
CREATE TABLE "notify_channel" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "url" TEXT, "url_env" VARCHAR(255), "url_file" TEXT, "digest" VARCHAR(255), "digest_at" VARCHAR(255), "digest_task_id" INTEGER NOT NULL, "digest_sent_at" TIMESTAMP, "created_at" TIMESTAMP NOT NULL);
CREATE UNIQUE INDEX "notify_channel_name" ON "notify_channel" ("name");
CREATE TABLE "channel_route" ("id" SERIAL NOT NULL PRIMARY KEY, "channel_id" INTEGER NOT NULL, "user_id" INTEGER, "group_id" INTEGER, "event_id" INTEGER, FOREIGN KEY ("channel_id") REFERENCES "notify_channel" ("id") ON DELETE CASCADE, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE CASCADE, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE CASCADE);
CREATE INDEX "channel_route_channel_id" ON "channel_route" ("channel_id");
CREATE TABLE "escalation_rule" ("id" SERIAL NOT NULL PRIMARY KEY, "event_id" INTEGER, "after_minutes" INTEGER NOT NULL, "user_id" INTEGER, "group_id" INTEGER, "channel_id" INTEGER, "created_at" TIMESTAMP NOT NULL, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE CASCADE, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("channel_id") REFERENCES "notify_channel" ("id") ON DELETE RESTRICT);
CREATE INDEX "escalation_rule_event_id_after_minutes" ON "escalation_rule" ("event_id", "after_minutes");
CREATE TABLE "escalation_sent" ("id" SERIAL NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "rule_id" INTEGER NOT NULL, "at" TIMESTAMP NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("rule_id") REFERENCES "escalation_rule" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "escalation_sent_task_id_rule_id" ON "escalation_sent" ("task_id", "rule_id");
CREATE INDEX "escalation_sent_rule_id" ON "escalation_sent" ("rule_id");
ALTER TABLE "outbox_message" ADD COLUMN "kind" VARCHAR(255) NOT NULL DEFAULT 'email';
ALTER TABLE "outbox_message" ADD COLUMN "channel_id" INTEGER REFERENCES "notify_channel" ("id") ON DELETE SET NULL;
ALTER TABLE "outbox_message" ADD COLUMN "reason" VARCHAR(255) NOT NULL DEFAULT 'raised';
ALTER TABLE "outbox_message" ADD COLUMN "payload" TEXT;
CREATE INDEX "outbox_message_kind_state_next_attempt_at" ON "outbox_message" ("kind", "state", "next_attempt_at");
CREATE TRIGGER "notify_channel_notify" AFTER INSERT OR UPDATE OR DELETE ON "notify_channel" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "channel_route_notify" AFTER INSERT OR UPDATE OR DELETE ON "channel_route" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "escalation_rule_notify" AFTER INSERT OR UPDATE OR DELETE ON "escalation_rule" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
CREATE TRIGGER "escalation_sent_notify" AFTER INSERT OR UPDATE OR DELETE ON "escalation_sent" FOR EACH STATEMENT EXECUTE FUNCTION tasktui_notify_change();
