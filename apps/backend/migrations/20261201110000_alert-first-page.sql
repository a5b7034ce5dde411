-- Up Migration

-- When the first page of the alert reached a person's provider (WhatsApp, SMS, call or email accepted it).
-- Set once, by the conditional UPDATE that records that page, so the "time to first page" metric is
-- observed exactly once per alert even when two of its pages are recorded at the same moment, without a
-- look through the audit trail on every page.
ALTER TABLE alerts ADD COLUMN first_page_at timestamptz;

-- Alerts paged before this column existed: a later page of theirs is not their first.
UPDATE alerts a
   SET first_page_at = e.first_at
  FROM (SELECT alert_id, min(created_at) AS first_at
          FROM alert_events
         WHERE kind = 'notification.sent' AND data->>'channel' <> 'slack'
         GROUP BY alert_id) e
 WHERE a.id = e.alert_id;

-- Down Migration
ALTER TABLE alerts DROP COLUMN first_page_at;
