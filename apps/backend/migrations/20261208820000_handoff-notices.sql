-- Up Migration

-- Hand-off notices (docs/oncall.md, "Hand-off notices"): a Slack DM to a person when their shift starts and a
-- day before. A planner looks ahead and queues one job per notice, keyed by schedule, person, shift start and
-- kind; this table is what makes each notice go out once, whoever runs its job, however often it is planned
-- again (every few minutes, by every backend, after a restart or a change to the schedule).
--
-- A job claims its row before it sends (`sending`, `claimed_at` from the engine's clock) and marks it `sent`
-- or `failed` after; a transient failure deletes the claim so the job's retry can claim again. A claim left
-- `sending` by a backend that died mid-send may be taken over once it is old (the job's retry), so a notice
-- is sent twice only if a backend dies between Slack's answer and the UPDATE after it.
CREATE TABLE handoff_notices (
  schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  person      text NOT NULL,
  shift_start timestamptz NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('start', 'day_before')),
  state       text NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
  claimed_at  timestamptz NOT NULL,
  sent_at     timestamptz,
  -- Slack's error code when it refused for good (`user_disabled`, `missing_scope`…).
  error       text,
  PRIMARY KEY (schedule_id, person, shift_start, kind)
);
-- The planner forgets notices of shifts long started (it never plans them again).
CREATE INDEX handoff_notices_shift_start ON handoff_notices (shift_start);

-- Down Migration
DROP TABLE handoff_notices;
