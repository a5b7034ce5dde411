-- Up Migration

-- Teams that already run PagerDuty get Klaxon's serious alerts there too: per tenant an Events API v2
-- routing key and the least severe alert to send. No row: nothing goes to PagerDuty.
CREATE TABLE pagerduty_integrations (
  tenant_id    text PRIMARY KEY,
  -- A secret of the tenant's PagerDuty service; never logged, masked in the API.
  routing_key  text NOT NULL CHECK (routing_key ~ '^[A-Za-z0-9]{20,64}$'),
  min_severity text NOT NULL CHECK (min_severity IN ('low', 'medium', 'high', 'critical')),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- What Klaxon owes PagerDuty for each alert it sent there, one row per event action. The row is written in
-- the alert change's own transaction, so an acknowledgement can never be lost between Klaxon and the job;
-- the job sends the queued ones in order (trigger before acknowledge before resolve) and records the outcome.
CREATE TABLE pagerduty_events (
  alert_id   uuid NOT NULL REFERENCES alerts (id),
  action     text NOT NULL CHECK (action IN ('trigger', 'acknowledge', 'resolve')),
  status     text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts   integer NOT NULL DEFAULT 0,
  last_error text,
  queued_at  timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz,
  PRIMARY KEY (alert_id, action)
);

-- Down Migration
DROP TABLE pagerduty_events;
DROP TABLE pagerduty_integrations;
