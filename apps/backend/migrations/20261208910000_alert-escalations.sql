-- Up Migration

-- An alert raised for a service escalates through the service's policy (docs/oncall.md, "Paging a service"). The
-- policy's steps and repeat are copied here when the alert is raised, in the raise's own statement, so editing or
-- deleting the policy later never changes an alert already running. `fired` counts the steps fired so far over
-- every pass (step 1 of pass 1 is 1); `step` and `pass` (1-based) are the last one's place, for people reading.
-- A step fires only by moving `fired` forward in a conditional UPDATE: a timer and a keypress racing for the same
-- step fire it once.
CREATE TABLE alert_escalations (
  alert_id  uuid PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
  tenant_id text NOT NULL,
  service   text NOT NULL,
  policy    text NOT NULL,
  steps     jsonb NOT NULL,
  repeat    smallint NOT NULL CHECK (repeat BETWEEN 0 AND 5),
  fired     integer NOT NULL CHECK (fired >= 0),
  step      integer NOT NULL,
  pass      integer NOT NULL,
  -- Whom the last step fired reached: {paged: [{person, via}], nobody_on_call: [schedule]}.
  reached   jsonb NOT NULL,
  -- Set once when the run is over: `unacknowledged` (every pass ran) or `nobody_on_call` (a whole pass found nobody).
  ended     text CHECK (ended IN ('unacknowledged', 'nobody_on_call'))
);

-- Down Migration
DROP TABLE alert_escalations;
