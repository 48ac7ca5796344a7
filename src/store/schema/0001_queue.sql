-- SPDX-License-Identifier: MIT
-- The durable job queue (src/queue/, docs/queue.md). Times are Unix milliseconds.

-- One row per copy of one document version into Xero.
CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY,
  connection       TEXT    NOT NULL,          -- connection name (connections table comes later)
  kind             TEXT    NOT NULL CHECK (kind IN ('invoice', 'payment')),
  source_id        TEXT    NOT NULL,          -- the platform's document id
  operation        TEXT    NOT NULL DEFAULT 'create' CHECK (operation IN ('create', 'update')),
  previous_xero_id TEXT,                      -- update jobs: the Xero id to update
  payload          TEXT    NOT NULL,          -- normalised JSON document
  content_hash     TEXT    NOT NULL,          -- sha256 of payload, hex
  pending_payload  TEXT,                      -- newer content that arrived while in flight
  pending_hash     TEXT,
  state            TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'retrying',
                                   'succeeded', 'dead', 'cancelled', 'unknown')),
  needs_reconcile  INTEGER NOT NULL DEFAULT 0, -- 1: look it up in Xero before sending again
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  next_run_at      INTEGER NOT NULL,
  last_error       TEXT,
  xero_id          TEXT,                      -- result: Xero's InvoiceID / PaymentID
  xero_link        TEXT,                      -- result: "View on Xero" URL
  warning          TEXT,                      -- succeeded with a caveat (e.g. PAID in Xero)
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER
) STRICT;

-- At most one unfinished job per document.
CREATE UNIQUE INDEX jobs_pending_key ON jobs (connection, kind, source_id)
  WHERE state IN ('queued', 'running', 'retrying', 'unknown');
-- Dedupe lookups of a document's history (latest first).
CREATE INDEX jobs_key ON jobs (connection, kind, source_id, id);
-- "Next ready jobs of this connection": an index range, already in order.
CREATE INDEX jobs_ready ON jobs (connection, next_run_at, id)
  WHERE state IN ('queued', 'retrying', 'unknown');
-- Listing by state, retention purge by age.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per attempt, written "started" before the request is sent.
CREATE TABLE job_attempts (
  id           INTEGER PRIMARY KEY,
  job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  number       INTEGER NOT NULL,              -- 1-based attempt number of the job
  reconcile    INTEGER NOT NULL DEFAULT 0,    -- 1: this attempt had to look the job up first
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  outcome      TEXT CHECK (outcome IN ('succeeded', 'transient', 'permanent', 'connection',
                           'unknown', 'reconciled', 'not_found', 'interrupted')),
  http_status  INTEGER,
  messages     TEXT,                          -- Xero's validation messages / error text
  request_id   TEXT                           -- Xero's correlation id
) STRICT;
CREATE INDEX job_attempts_job ON job_attempts (job_id, number);

-- Pause (by an operator) and park (by the queue on a connection-level failure,
-- lifted by the connection monitor). scope '*' is the whole queue.
CREATE TABLE queue_holds (
  scope      TEXT    PRIMARY KEY,
  paused     INTEGER NOT NULL DEFAULT 0,
  parked     INTEGER NOT NULL DEFAULT 0,
  reason     TEXT,
  updated_at INTEGER NOT NULL
) STRICT;
