-- Schema version 11 (message templates of events), frozen like v1 (PostgreSQL).
-- An event may carry its own subject and body template for the notifications of its
-- tasks (email and every channel); NULL: the default text.
ALTER TABLE "event" ADD COLUMN "subject_template" TEXT;
ALTER TABLE "event" ADD COLUMN "body_template" TEXT;
