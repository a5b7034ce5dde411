-- Up Migration

-- Alerts are the unit of paging. The tenant is the Slack team id (or an internal service's slug); a
-- UUID identifies an alert globally, and `number` is the short per-tenant handle people type (#42).
CREATE TABLE alerts (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        text NOT NULL,
  number           integer NOT NULL,
  status           text NOT NULL DEFAULT 'triggered' CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
  severity         text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  message          text NOT NULL,
  rule_name        text,
  source           text NOT NULL CHECK (source IN ('slack', 'api', 'alertmanager')),
  dedup_key        text,
  -- The caller's x-request-id: a forward retried after a dropped connection must not raise a second alert.
  request_id       text,
  slack_channel_id text,
  slack_user_id    text,
  -- Where the Slack user who paged learns the outcome; valid for 30 minutes after the command.
  slack_response_url text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  resolved_at      timestamptz,
  resolved_by      text,
  UNIQUE (tenant_id, number)
);

-- Only one OPEN alert per dedup key and tenant: concurrent identical raises collapse in the schema, not in code.
CREATE UNIQUE INDEX alerts_open_dedup_key ON alerts (tenant_id, dedup_key) WHERE dedup_key IS NOT NULL AND status <> 'resolved';
CREATE UNIQUE INDEX alerts_request_id ON alerts (tenant_id, request_id) WHERE request_id IS NOT NULL;
-- Listing is newest first per tenant, optionally by status.
CREATE INDEX alerts_tenant_created ON alerts (tenant_id, created_at DESC, id DESC);
CREATE INDEX alerts_tenant_status ON alerts (tenant_id, status, created_at DESC);

-- Short numbers are allocated from a counter row per tenant inside the creating transaction: the row lock
-- serialises concurrent raises, and a rolled-back raise returns its number, so there are no gaps.
CREATE TABLE tenant_alert_counters (
  tenant_id   text PRIMARY KEY,
  last_number integer NOT NULL
);

-- Who an alert pages, in the order they were named.
CREATE TABLE alert_targets (
  alert_id      uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  position      smallint NOT NULL,
  slack_user_id text,
  phone         text,
  PRIMARY KEY (alert_id, position),
  CHECK (slack_user_id IS NOT NULL OR phone IS NOT NULL)
);

-- The audit trail: every creation, transition, note and notification attempt. Append-only (see trigger).
CREATE TABLE alert_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id   uuid NOT NULL REFERENCES alerts (id),
  tenant_id  text NOT NULL,
  kind       text NOT NULL,
  actor      text,
  note       text,
  data       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

CREATE FUNCTION forbid_audit_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'alert_events is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER alert_events_append_only BEFORE UPDATE OR DELETE ON alert_events
  FOR EACH ROW EXECUTE FUNCTION forbid_audit_rewrite();

-- How to reach a person of a tenant. `source` says who wrote the number: the person (/alert phone), an
-- import, or a copy of the free-text Slack profile field (refreshed after `refreshed_at` ages).
CREATE TABLE contacts (
  tenant_id     text NOT NULL,
  slack_user_id text NOT NULL,
  name          text,
  phone         text CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),
  channels      text[] NOT NULL DEFAULT ARRAY['whatsapp', 'voice', 'sms'],
  source        text NOT NULL CHECK (source IN ('self', 'import', 'slack')),
  refreshed_at  timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, slack_user_id)
);

-- One row per message or call Klaxon means to make; attempts update it, events keep the history.
CREATE TABLE deliveries (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  alert_id            uuid NOT NULL REFERENCES alerts (id),
  tenant_id           text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'voice', 'slack', 'log')),
  slack_user_id       text,
  address             text NOT NULL,
  round               smallint NOT NULL DEFAULT 0,
  status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts            integer NOT NULL DEFAULT 0,
  provider_message_id text,
  error_code          text,
  error_detail        text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_alert ON deliveries (alert_id);

-- Down Migration
DROP TABLE deliveries;
DROP TABLE contacts;
DROP TRIGGER alert_events_append_only ON alert_events;
DROP FUNCTION forbid_audit_rewrite();
DROP TABLE alert_events;
DROP TABLE alert_targets;
DROP TABLE tenant_alert_counters;
DROP TABLE alerts;
