-- Up Migration

-- "Sent" meant Twilio took the request, not that a phone got it. Twilio's status callbacks say what
-- happened next; a delivery keeps the furthest status reported and when each milestone came, so the
-- channel message and `/alert status` can say "WhatsApp read 23:41 · call answered 23:42". Callbacks
-- repeat and arrive out of order: `provider_status_rank` lets one conditional UPDATE refuse any status
-- that is not further along than the one stored.
ALTER TABLE deliveries ADD COLUMN provider_status text;
ALTER TABLE deliveries ADD COLUMN provider_status_rank smallint NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN provider_status_at timestamptz;
ALTER TABLE deliveries ADD COLUMN provider_error_code text;
ALTER TABLE deliveries ADD COLUMN delivered_at timestamptz;
ALTER TABLE deliveries ADD COLUMN read_at timestamptz;
ALTER TABLE deliveries ADD COLUMN answered_at timestamptz;
-- `human` or `machine` (Twilio's answering machine detection); a machine is never counted as reached.
ALTER TABLE deliveries ADD COLUMN answered_by text CHECK (answered_by IN ('human', 'machine', 'unknown'));
-- Inbound replies are matched to the pages a number received.
CREATE INDEX deliveries_address_alert ON deliveries (address, alert_id);

-- Down Migration
DROP INDEX deliveries_address_alert;
ALTER TABLE deliveries DROP COLUMN answered_by, DROP COLUMN answered_at, DROP COLUMN read_at, DROP COLUMN delivered_at,
  DROP COLUMN provider_error_code, DROP COLUMN provider_status_at, DROP COLUMN provider_status_rank, DROP COLUMN provider_status;
