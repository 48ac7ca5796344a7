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
-- enqueued again, the new job must look it up before sending. jobs_done_key
-- (0004: successes only) also holds such jobs now, so the one seek dedupe
-- already made answers both "the newest success" and "an unresolved end"
-- (DocumentHistorySql). A row still enters it only when its job succeeds or
-- ends unresolved, never on enqueue.
DROP INDEX jobs_done_key;
CREATE INDEX jobs_done_key ON jobs (connection, kind, source_id, id)
  WHERE state = 'succeeded' OR (needs_reconcile = 1 AND (state = 'dead' OR state = 'cancelled'));
