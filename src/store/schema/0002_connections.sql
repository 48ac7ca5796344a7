-- SPDX-License-Identifier: MIT
-- Xero connections and their token sets (src/connection/, docs/xero-client.md).
-- Times are Unix milliseconds. Refresh tokens are secrets: this file is 0600 and
-- they never leave it except in the body of a request to Xero's token endpoint.
-- Access tokens are NOT stored: they live in memory only (30 minutes).

-- One user grant (oauth: a rotating refresh token) or one custom connection
-- (client_credentials: no refresh token). One token set can serve several
-- connections (tenants).
CREATE TABLE token_sets (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL CHECK (kind IN ('oauth', 'custom')),
  refresh_token   TEXT,                        -- current refresh token (oauth); NULL for custom
  scopes          TEXT    NOT NULL DEFAULT '', -- space-separated, as granted
  dead            INTEGER NOT NULL DEFAULT 0,  -- 1: invalid_grant / revoked; never used again
  dead_reason     TEXT,
  refreshes       INTEGER NOT NULL DEFAULT 0,  -- successful token requests
  last_refresh_at INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

-- One named connection = one Xero organisation (tenant) reached through a token set.
-- Rows are never deleted: a disconnected connection keeps its row (and its jobs).
CREATE TABLE connections (
  name               TEXT    PRIMARY KEY,       -- the key used everywhere (jobs.connection)
  token_set_id       INTEGER REFERENCES token_sets (id),
  tenant_id          TEXT    NOT NULL,
  tenant_name        TEXT    NOT NULL DEFAULT '',
  xero_connection_id TEXT,                      -- the /connections "id" (for DELETE)
  kind               TEXT    NOT NULL CHECK (kind IN ('oauth', 'custom')),
  state              TEXT    NOT NULL CHECK (state IN ('active', 'expired', 'revoked',
                                      'disconnected', 'missing_scope')),
  reason             TEXT,                      -- why it is not active (human-readable)
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  state_changed_at   INTEGER NOT NULL,
  last_refresh_at    INTEGER,
  last_success_at    INTEGER                    -- last successful API call
) STRICT;

CREATE INDEX connections_by_token_set ON connections (token_set_id);

-- State history of every connection (kept after disconnect).
CREATE TABLE connection_events (
  id         INTEGER PRIMARY KEY,
  connection TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  state      TEXT    NOT NULL,
  reason     TEXT
) STRICT;

CREATE INDEX connection_events_by_connection ON connection_events (connection, id);
