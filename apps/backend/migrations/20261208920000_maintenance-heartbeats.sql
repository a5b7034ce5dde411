-- Up Migration

-- Maintenance windows and heartbeats (DESIGN, "On call", and docs/maintenance-heartbeats.md).

-- A service in maintenance: an alert raised for it in [start_at, end_at) is recorded and pages nobody. A window
-- ended early keeps its row (who planned it, why, and when it really ended are the audit trail of the quiet
-- time); `ended_early_at` is the end that counts then. A deleted service takes its windows with it: they meant
-- nothing without it.
CREATE TABLE service_maintenance (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id     uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  start_at       timestamptz NOT NULL,
  end_at         timestamptz NOT NULL,
  reason         text,
  -- Who opened it: a Slack user id (`U0DEV`) from Slack, `api` from the private API.
  created_by     text NOT NULL,
  ended_early_at timestamptz,
  created_at     timestamptz NOT NULL,
  CONSTRAINT service_maintenance_end_after_start CHECK (end_at > start_at)
);
-- Every question is "the windows of this service not over at t" (the raise asks it for every alert of a service).
CREATE INDEX service_maintenance_service_end ON service_maintenance (service_id, end_at);

-- A heartbeat (a dead man's switch): something pings it every `interval`; when no ping came for interval + grace
-- Klaxon raises an alert for its service. `deadline` is when that happens, written by every ping (and by a PUT),
-- so the check that finds missed heartbeats is one range scan of a small partial index, however many heartbeats
-- there are and whichever backend runs it (a restarted one sees the same deadlines).
CREATE TABLE heartbeats (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        text NOT NULL,
  name             text NOT NULL CHECK (name ~ '^[a-z0-9-]{1,64}$'),
  -- RESTRICT: the service a heartbeat raises its alert for cannot be deleted from under it (409 naming it).
  service_id       uuid NOT NULL REFERENCES services (id) ON DELETE RESTRICT,
  interval_seconds integer NOT NULL CHECK (interval_seconds >= 5),
  grace_seconds    integer NOT NULL CHECK (grace_seconds >= 0),
  severity         text NOT NULL DEFAULT 'high' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  last_ping_at     timestamptz,
  deadline         timestamptz NOT NULL,
  state            text NOT NULL DEFAULT 'up' CHECK (state IN ('up', 'down')),
  -- The alert raised when it went down (kept after it came back, until the next time it goes down).
  alert_id         uuid REFERENCES alerts (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  UNIQUE (tenant_id, name)
);
-- The check's scan: only heartbeats that are up can be missed, so the down ones are not in the index at all.
CREATE INDEX heartbeats_up_deadline ON heartbeats (deadline) WHERE state = 'up';
CREATE INDEX heartbeats_service ON heartbeats (service_id);

-- Down Migration
DROP TABLE heartbeats;
DROP TABLE service_maintenance;
