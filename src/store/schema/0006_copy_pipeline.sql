-- SPDX-License-Identifier: MIT
-- What the copy pipeline (src/copy/) needs of the queue (docs/queue.md,
-- "Dependencies and reconcile on re-enqueue").
--
-- depends_on: a payment's invoice (the platform's invoice id). A payment waits
-- until its invoice has been copied, without using attempts; when the invoice
-- job succeeds, the payments waiting for it are made due at once through
-- jobs_waiting. Invoices leave it NULL, so they never enter that index (an
-- enqueue of an invoice writes no more than before).
ALTER TABLE jobs ADD COLUMN depends_on TEXT;
CREATE INDEX jobs_waiting ON jobs (connection, depends_on) WHERE depends_on IS NOT NULL;

-- A document whose last attempt's outcome was never learnt (needs_reconcile)
-- and whose job then went dead or was cancelled may be in Xero. When it is
-- enqueued again, the new job must look it up before sending: this index finds
-- such a job in one seek. Rows enter it only when a job dies or is cancelled
-- unresolved, never on enqueue.
CREATE INDEX jobs_unresolved_key ON jobs (connection, kind, source_id)
  WHERE needs_reconcile = 1 AND (state = 'dead' OR state = 'cancelled');
