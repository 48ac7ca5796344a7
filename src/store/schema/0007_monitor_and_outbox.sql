-- SPDX-License-Identifier: MIT
-- The connection monitor and the e-mail outbox (src/monitor/, src/notify/,
-- docs/monitor.md).

-- connections.state gains 'unreachable': Xero did not answer the monitor's
-- checks monitor.failure_threshold times in a row. SQLite cannot change a
-- CHECK constraint in place: the table is rebuilt (nothing references it).
CREATE TABLE connections_new (
  name               TEXT    PRIMARY KEY,
  token_set_id       INTEGER REFERENCES token_sets (id),
  tenant_id          TEXT    NOT NULL,
  tenant_name        TEXT    NOT NULL DEFAULT '',
  xero_connection_id TEXT,
  kind               TEXT    NOT NULL CHECK (kind IN ('oauth', 'custom')),
  state              TEXT    NOT NULL CHECK (state IN ('active', 'expired', 'revoked',
                                      'disconnected', 'missing_scope', 'unreachable')),
  reason             TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  state_changed_at   INTEGER NOT NULL,
  last_refresh_at    INTEGER,
  last_success_at    INTEGER
) STRICT;
INSERT INTO connections_new SELECT name, token_set_id, tenant_id, tenant_name, xero_connection_id,
  kind, state, reason, created_at, updated_at, state_changed_at, last_refresh_at, last_success_at
  FROM connections;
DROP TABLE connections;
ALTER TABLE connections_new RENAME TO connections;
CREATE INDEX connections_by_token_set ON connections (token_set_id);

-- The outbox: a notification is committed here before it is sent, and is
-- sent until the SMTP server accepts it (state 'sent') or it is given up
-- ('failed', with the server's answer). dedupe_key makes adding it idempotent:
-- however many checks or failures ask for "acme was lost at T", one row.
CREATE TABLE notifications (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL CHECK (kind IN ('lost', 'reminder', 'restored', 'digest')),
  connection      TEXT    NOT NULL,
  dedupe_key      TEXT    NOT NULL UNIQUE,
  recipients      TEXT    NOT NULL,             -- bare addresses, comma-separated
  subject         TEXT    NOT NULL,
  body            TEXT    NOT NULL,             -- text/plain part
  html            TEXT    NOT NULL,             -- text/html part
  message_id      TEXT    NOT NULL,             -- fixed at creation: a resend keeps it
  state           TEXT    NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,                         -- the server's answer, or why not sent
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'queued';
CREATE INDEX notifications_by_connection ON notifications (connection, id);

-- Dead jobs finished after `through` (Unix ms) are not in a digest yet. A
-- database that had dead jobs before this migration starts from now: they
-- were never promised an e-mail.
CREATE TABLE digest_cursor (
  connection TEXT    PRIMARY KEY,
  through    INTEGER NOT NULL
) STRICT;
INSERT INTO digest_cursor (connection, through)
  SELECT DISTINCT connection, CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM jobs
  WHERE state = 'dead';
