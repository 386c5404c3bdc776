-- Schema version 13 (a search key beside the document): PostgreSQL only.
-- pg_trgm takes its trigrams from words, and punctuation and spaces only separate
-- words: the trigrams of `nightly-sync-7` are those of `nightly`, `sync` and `7`, so
-- the index on the document offered every task with those three words (47,829 of
-- 1,000,000 for 2,594 matches) and each had to be read and rechecked. The key is the
-- document with every ASCII punctuation character and the space turned into the
-- letter q (`nightlyqsyncq7`, one word with trigrams across the punctuation, as
-- SQLite's FTS5 trigram index has them); the trigram index moves from the document
-- to the key. A search reads the key (the text translated the same way,
-- tasktui.db.postgres.text_search.search_key) and, when the text has punctuation or
-- a q, also checks the document itself, so the key's extra matches are never shown.
-- ANALYZE at the end: without statistics of the new column the planner took the key
-- of a common word for a rare one (a first page of `failed` went from 5 ms to 1.8 s
-- at 1,000,000 tasks until autovacuum came by). The rewrite of task_search and the
-- new index took 1.5 min at 1,000,000 tasks on a 2-CPU machine.
ALTER TABLE "task_search" ADD COLUMN "key" TEXT GENERATED ALWAYS AS (translate("doc", $p$!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ $p$, $p$qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq$p$)) STORED;
DROP INDEX "task_search_doc_trgm";
CREATE INDEX "task_search_key_trgm" ON "task_search" USING gin ("key" gin_trgm_ops);
ANALYZE "task_search";
