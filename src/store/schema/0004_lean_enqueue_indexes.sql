-- SPDX-License-Identifier: MIT
-- One index fewer written per enqueue (docs/queue.md, "Where the CPU goes").
--
-- jobs_key (connection, kind, source_id, id) held EVERY job so that dedupe
-- could read a document's history in one range. Dedupe needs only two rows of
-- it: the unfinished job, which the unique jobs_pending_key already finds, and
-- the newest success. jobs_done_key holds successes only, so a new job (state
-- 'queued') is not written into it; the row enters it once, when it succeeds.
--
-- jobs_state gains the connection, so per-connection counts, "dead jobs of this
-- connection" and the state + connection list filter are index ranges now that
-- jobs_key no longer offers a connection prefix.
DROP INDEX jobs_key;
CREATE INDEX jobs_done_key ON jobs (connection, kind, source_id, id) WHERE state = 'succeeded';
DROP INDEX jobs_state;
CREATE INDEX jobs_state ON jobs (state, connection, id);
