-- Up Migration

-- `source` used to say how an alert reached Klaxon (slack | api | alertmanager), and it was a field the
-- caller set: any API caller could claim `slack`, and Slack-origin text is posted to Slack unescaped, so a
-- caller could plant `<!channel>` pings and links in a channel. The two meanings are now apart:
--   origin: how Klaxon received the alert, set by the server from the route that took it (trusted);
--   source: the caller's free-text name of the system that raised it (`billing-api`), never trusted.
-- Existing rows keep their `source`, which was their origin, so origin is backfilled from it.
ALTER TABLE alerts ADD COLUMN origin text;
UPDATE alerts SET origin = source;
-- No default: a code path that forgets to say where an alert came from must fail, not guess.
ALTER TABLE alerts
  ALTER COLUMN origin SET NOT NULL,
  ADD CONSTRAINT alerts_origin_check CHECK (origin IN ('slack', 'api', 'alertmanager'));

ALTER TABLE alerts
  DROP CONSTRAINT alerts_source_check,
  ALTER COLUMN source DROP NOT NULL,
  ADD CONSTRAINT alerts_source_length CHECK (source IS NULL OR length(source) BETWEEN 1 AND 255);

-- Down Migration
-- Free-text sources written since cannot satisfy the old check, so `source` stays relaxed.
ALTER TABLE alerts DROP CONSTRAINT alerts_source_length;
ALTER TABLE alerts DROP COLUMN origin;
