-- SPDX-License-Identifier: MIT
-- Another b-tree insert off the enqueue path (docs/queue.md, "Where the CPU
-- goes"), and the scheduler's reads answered from an index alone.
--
-- jobs_state held every job, so every enqueue wrote it. Queued jobs leave it:
-- jobs_ready already holds them, and now carries the state, so "how many are
-- queued" (for the whole queue or one connection) is a count over jobs_ready
-- alone. jobs_state keeps the other states: what an operator lists, counts and
-- retries (running, dead, unknown, ...) and the finished jobs.
--
-- A query uses a partial index only when its WHERE implies the index's, and
-- SQLite proves that from constants: queries name the state literally
-- (src/queue/job_store*.cc; the EXPLAIN QUERY PLAN test checks the plans).
-- The index predicates are plain comparisons (see 0003): most common first.
DROP INDEX jobs_state;
CREATE INDEX jobs_state ON jobs (state, connection, id)
  WHERE state = 'succeeded' OR state = 'running' OR state = 'retrying' OR state = 'dead' OR
        state = 'cancelled' OR state = 'unknown';
-- Same rows and order as before; the trailing state makes the scheduler's
-- "next ready jobs" and "earliest due" ranges covering (no table reads), and
-- lets counts tell queued from retrying and unknown.
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs (connection, next_run_at, id, state)
  WHERE state = 'queued' OR state IN ('queued', 'retrying', 'unknown');
