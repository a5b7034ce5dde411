-- Up Migration

-- A delivery may wait on purpose: a medium page during the person's quiet hours goes when they end, and
-- a page beyond a recipient's limit goes when the window has room. `held` rows carry when and why, so
-- `/alert status` can say "held until 07:00 Europe/Berlin (quiet hours)" and an acknowledgement can cancel them.
ALTER TABLE deliveries ADD COLUMN held_until timestamptz;
ALTER TABLE deliveries ADD COLUMN hold_reason text CHECK (hold_reason IN ('quiet_hours', 'recipient_limit'));
-- Pages held by the recipient limit before these columns existed kept their time in next_attempt_at.
UPDATE deliveries SET held_until = COALESCE(next_attempt_at, now()), hold_reason = 'recipient_limit', next_attempt_at = NULL WHERE status = 'held';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'held', 'sending', 'sent', 'failed', 'cancelled'));
ALTER TABLE deliveries ADD CONSTRAINT deliveries_held_has_time CHECK (status <> 'held' OR held_until IS NOT NULL);
-- Email joins the channels a delivery may use.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('whatsapp', 'sms', 'voice', 'email', 'slack', 'log'));
CREATE INDEX deliveries_held_due ON deliveries (held_until) WHERE status = 'held';

-- Down Migration
DROP INDEX deliveries_held_due;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('whatsapp', 'sms', 'voice', 'slack', 'log'));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_held_has_time;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled'));
ALTER TABLE deliveries DROP COLUMN hold_reason, DROP COLUMN held_until;
