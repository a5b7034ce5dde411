-- Up Migration

-- A target is resolved when the alert is raised (contacts, then the Slack profile): what was found is
-- kept with the alert, so the answer to the pager and the audit trail agree even if the contact changes.
ALTER TABLE alert_targets
  ADD COLUMN name     text,
  ADD COLUMN status   text NOT NULL DEFAULT 'paging' CHECK (status IN ('paging', 'unreachable')),
  ADD COLUMN channels text[] NOT NULL DEFAULT '{}',
  ADD COLUMN reason   text;

-- The channel message Klaxon posted for the alert, updated (chat.update) on every state change.
ALTER TABLE alerts ADD COLUMN slack_message_ts text;

-- Listing by severity (the status index already serves status filters).
CREATE INDEX alerts_tenant_severity ON alerts (tenant_id, severity, created_at DESC);

-- Down Migration
DROP INDEX alerts_tenant_severity;
ALTER TABLE alerts DROP COLUMN slack_message_ts;
ALTER TABLE alert_targets DROP COLUMN reason, DROP COLUMN channels, DROP COLUMN status, DROP COLUMN name;
