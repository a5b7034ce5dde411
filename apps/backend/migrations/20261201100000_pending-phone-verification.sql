-- Up Migration

-- A number a person gives for themselves through Slack waits here until they type the code sent to it:
-- a mistyped number at 3 a.m. is a silent failure, so it pages nobody until it has proved it reaches them.
-- One row per contact (a new number replaces the pending one); the contact's own row and the number pages
-- use are untouched until the code is confirmed. Only an HMAC of the code is kept, with a salt of its own.
CREATE TABLE phone_verifications (
  tenant_id text NOT NULL,
  slack_user_id text NOT NULL,
  phone text NOT NULL,
  -- The channel the code went out on (sms or whatsapp), to tell the person where to look.
  channel text NOT NULL,
  code_salt bytea NOT NULL,
  code_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  -- Wrong codes typed so far; at the limit the code is dead and only a new one helps.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Resending is limited (a stranger's phone must not be flooded): the last send, and the sends in the
  -- current window with when that window began.
  sent_at timestamptz NOT NULL,
  sends_in_window integer NOT NULL CHECK (sends_in_window >= 1),
  window_started_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, slack_user_id)
);

-- Down Migration
DROP TABLE phone_verifications;
