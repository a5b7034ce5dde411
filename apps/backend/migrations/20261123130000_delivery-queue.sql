-- Up Migration

-- A delivery is claimed (queued → sending) before anything is sent and holds a lease while it sends;
-- a lease that runs out means its backend died, and the delivery is queued again (README, "Delivery guarantees").
ALTER TABLE deliveries ADD COLUMN lease_until timestamptz;
ALTER TABLE deliveries ADD COLUMN next_attempt_at timestamptz;
-- Set on an SMS sent because WhatsApp failed permanently for the same person.
ALTER TABLE deliveries ADD COLUMN fallback_of uuid REFERENCES deliveries (id);
-- `cancelled`: the alert was acknowledged or resolved before a retry or an escalation went out.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled'));
-- One delivery per alert, channel, address and round: a replayed escalation cannot page twice.
CREATE UNIQUE INDEX deliveries_once ON deliveries (alert_id, channel, address, round);
CREATE INDEX deliveries_expired_lease ON deliveries (lease_until) WHERE status = 'sending';

-- Down Migration
DROP INDEX deliveries_expired_lease;
DROP INDEX deliveries_once;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed'));
ALTER TABLE deliveries DROP COLUMN fallback_of, DROP COLUMN next_attempt_at, DROP COLUMN lease_until;
