-- Up Migration

-- When a target's first page waits for the end of their quiet hours, the instant it goes out, decided when
-- the alert is raised (by the injected clock, as its deliveries are). Stored with the target so every answer
-- about the alert, a replayed raise included, can tell the person who paged "held until 07:00".
ALTER TABLE alert_targets ADD COLUMN held_until timestamptz;

-- Down Migration
ALTER TABLE alert_targets DROP COLUMN held_until;
