-- Up Migration

-- On call (DESIGN, "On call: schedules, escalation policies, services"): people page a service, and Klaxon
-- works out who is on call. Names are slugs, unique per tenant, and are what every route and Slack command
-- uses; the uuid keys are only for the links between the tables, so a name never has to be copied into them.

-- A schedule's layers are one jsonb document in the request's shape (named, shift in canonical text). They are
-- written whole by a PUT and read whole by every lookup (the pure core compiles the entire document), their
-- order is their meaning (the last layer on duty wins), and nothing ever asks for one member or one window
-- across schedules: rows per layer, member and window would cost three joins on every who-is-on-call and buy
-- nothing. The request schema checks the document before it is stored.
CREATE TABLE schedules (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      text NOT NULL,
  name           text NOT NULL CHECK (name ~ '^[a-z0-9-]{1,64}$'),
  time_zone      text NOT NULL,
  layers         jsonb NOT NULL CHECK (jsonb_typeof(layers) = 'array' AND jsonb_array_length(layers) > 0),
  -- The secret part of the schedule's calendar URL (PUBLIC_BASE_URL/calendar/<token>.ics): random, unique,
  -- replaced on request so a leaked URL can be cut off.
  calendar_token text NOT NULL UNIQUE CHECK (length(calendar_token) >= 32),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  UNIQUE (tenant_id, name)
);

-- `person` is on call for [start_at, end_at) whatever the layers say. Where overrides overlap the one created
-- last wins, so their order is kept by `seq` (created_at comes from the injected clock and may repeat).
CREATE TABLE schedule_overrides (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  person      text NOT NULL CHECK (person ~ '^[UW][A-Z0-9]{2,}$'),
  start_at    timestamptz NOT NULL,
  end_at      timestamptz NOT NULL,
  created_at  timestamptz NOT NULL,
  CONSTRAINT schedule_overrides_end_after_start CHECK (end_at > start_at)
);
-- Lookups ask for the overrides of one schedule that overlap a window.
CREATE INDEX schedule_overrides_window ON schedule_overrides (schedule_id, end_at, start_at);

-- Steps are a jsonb document for the same reasons as layers. The schedules they name are also rows of
-- escalation_policy_schedules, so the database itself refuses to delete a schedule a policy uses (RESTRICT),
-- even when the DELETE races with a PUT of the policy.
CREATE TABLE escalation_policies (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  text NOT NULL,
  name       text NOT NULL CHECK (name ~ '^[a-z0-9-]{1,64}$'),
  steps      jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) > 0),
  repeat     integer NOT NULL CHECK (repeat BETWEEN 0 AND 5),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, name)
);

CREATE TABLE escalation_policy_schedules (
  policy_id   uuid NOT NULL REFERENCES escalation_policies (id) ON DELETE CASCADE,
  schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE RESTRICT,
  PRIMARY KEY (policy_id, schedule_id)
);
CREATE INDEX escalation_policy_schedules_schedule ON escalation_policy_schedules (schedule_id);

CREATE TABLE services (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id            text NOT NULL,
  name                 text NOT NULL CHECK (name ~ '^[a-z0-9-]{1,64}$'),
  -- RESTRICT: a policy a service pages through cannot be deleted from under it.
  escalation_policy_id uuid NOT NULL REFERENCES escalation_policies (id) ON DELETE RESTRICT,
  slack_channel        text,
  slack_usergroup      text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE INDEX services_escalation_policy ON services (escalation_policy_id);
-- A mention of a Slack user group will page its service: one group names at most one service of a tenant.
CREATE UNIQUE INDEX services_slack_usergroup ON services (tenant_id, slack_usergroup) WHERE slack_usergroup IS NOT NULL;

-- Down Migration
DROP TABLE services;
DROP TABLE escalation_policy_schedules;
DROP TABLE escalation_policies;
DROP TABLE schedule_overrides;
DROP TABLE schedules;
