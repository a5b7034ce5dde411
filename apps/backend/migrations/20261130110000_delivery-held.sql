-- Up Migration

-- `held`: the phone number already received PAGE_LIMIT_PER_RECIPIENT pages within PAGE_LIMIT_WINDOW, so
-- this page waits, neither sent nor failed, for a delayed job at the time the window has room; it is then
-- sent, or cancelled if the alert was handled meanwhile (README, "Limits").
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'held'));
-- The hold decision counts the pages to one address in the window before every send.
CREATE INDEX deliveries_recent_by_address ON deliveries (address, updated_at) WHERE status IN ('sent', 'sending');

-- Down Migration
DROP INDEX deliveries_recent_by_address;
UPDATE deliveries SET status = 'queued' WHERE status = 'held';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled'));
