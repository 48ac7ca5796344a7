-- SPDX-License-Identifier: MIT
-- The queue tables of 0001 with the same columns, rows, ids, constraints and
-- indexes, but with state/outcome predicates that are cheap to evaluate on
-- every row written (docs/queue.md, "Where the CPU goes").
--
-- SQLite 3.40 evaluates `x IN (<3 or more constants>)` inside a CHECK
-- constraint or a partial index's WHERE by building a temporary b-tree of the
-- constants for EVERY row inserted or updated (1-3 us each; an enqueue paid
-- three of them). So:
-- * CHECKs list the allowed values as `x = 'a' OR x = 'b' ...`: same set, plain
--   comparisons;
-- * the partial indexes say `state = 'queued' OR state IN (...)`: the same set
--   ('queued' is in the list), decided with one comparison for the rows every
--   enqueue writes, and still used by queries written `state IN (...)` (a query
--   term implies an OR when it implies either side; the EXPLAIN QUERY PLAN test
--   checks it).
--
-- A CHECK cannot be altered in place: jobs and job_attempts are rebuilt. The
-- attempts are parked in a plain table first, because dropping `jobs` while a
-- table references it ON DELETE CASCADE would delete them.

CREATE TABLE jobs_new (
  id               INTEGER PRIMARY KEY,
  connection       TEXT    NOT NULL,
  kind             TEXT    NOT NULL CHECK (kind IN ('invoice', 'payment')),
  source_id        TEXT    NOT NULL,
  operation        TEXT    NOT NULL DEFAULT 'create' CHECK (operation IN ('create', 'update')),
  previous_xero_id TEXT,
  payload          TEXT    NOT NULL,
  content_hash     TEXT    NOT NULL,
  pending_payload  TEXT,
  pending_hash     TEXT,
  state            TEXT    NOT NULL CHECK (state = 'queued' OR state = 'running' OR
                                   state = 'retrying' OR state = 'succeeded' OR
                                   state = 'dead' OR state = 'cancelled' OR
                                   state = 'unknown'),
  needs_reconcile  INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  next_run_at      INTEGER NOT NULL,
  last_error       TEXT,
  xero_id          TEXT,
  xero_link        TEXT,
  warning          TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER
) STRICT;
INSERT INTO jobs_new (id, connection, kind, source_id, operation, previous_xero_id, payload,
                      content_hash, pending_payload, pending_hash, state, needs_reconcile,
                      attempts, max_attempts, next_run_at, last_error, xero_id, xero_link,
                      warning, created_at, updated_at, finished_at)
  SELECT id, connection, kind, source_id, operation, previous_xero_id, payload, content_hash,
         pending_payload, pending_hash, state, needs_reconcile, attempts, max_attempts,
         next_run_at, last_error, xero_id, xero_link, warning, created_at, updated_at,
         finished_at
  FROM jobs;

CREATE TABLE job_attempts_parked AS SELECT * FROM job_attempts;
DROP TABLE job_attempts;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE TABLE job_attempts (
  id           INTEGER PRIMARY KEY,
  job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  number       INTEGER NOT NULL,
  reconcile    INTEGER NOT NULL DEFAULT 0,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  outcome      TEXT CHECK (outcome = 'succeeded' OR outcome = 'transient' OR
                           outcome = 'permanent' OR outcome = 'connection' OR
                           outcome = 'unknown' OR outcome = 'reconciled' OR
                           outcome = 'not_found' OR outcome = 'interrupted'),
  http_status  INTEGER,
  messages     TEXT,
  request_id   TEXT
) STRICT;
INSERT INTO job_attempts (id, job_id, number, reconcile, started_at, finished_at, outcome,
                          http_status, messages, request_id)
  SELECT id, job_id, number, reconcile, started_at, finished_at, outcome, http_status, messages,
         request_id
  FROM job_attempts_parked;
DROP TABLE job_attempts_parked;

-- The indexes of 0001 (dropped with their tables), same columns.
CREATE UNIQUE INDEX jobs_pending_key ON jobs (connection, kind, source_id)
  WHERE state = 'queued' OR state IN ('queued', 'running', 'retrying', 'unknown');
CREATE INDEX jobs_key ON jobs (connection, kind, source_id, id);
CREATE INDEX jobs_ready ON jobs (connection, next_run_at, id)
  WHERE state = 'queued' OR state IN ('queued', 'retrying', 'unknown');
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX job_attempts_job ON job_attempts (job_id, number);
