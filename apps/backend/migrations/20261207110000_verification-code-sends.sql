-- Up Migration

-- Every verification code sent, kept apart from the number waiting for it. The limits on codes used to live
-- in the pending row (phone_verifications), which setting one's current number again deletes: alternating
-- `/alert phone <someone else's number>` and `/alert phone <mine>` reset them, and anyone in a workspace could
-- text any number at the installation's expense. A row here outlives the pending number, and is counted per
-- person, per destination across every tenant, and for the whole installation.
CREATE TABLE verification_code_sends (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  slack_user_id text NOT NULL,
  -- SHA-256 of the E.164 number: enough to count codes to one number, without a second list of numbers.
  -- Phone numbers are few enough to guess from it, so it keeps a casual reader from the numbers, not an attacker
  -- with the database.
  destination_hash bytea NOT NULL,
  -- The channel the code went out on (sms or whatsapp).
  channel text NOT NULL,
  -- The backend's clock, like every other limit it applies; rows older than the longest window are pruned.
  sent_at timestamptz NOT NULL
);

CREATE INDEX verification_code_sends_requester ON verification_code_sends (tenant_id, slack_user_id, sent_at);
CREATE INDEX verification_code_sends_destination ON verification_code_sends (destination_hash, sent_at);
CREATE INDEX verification_code_sends_sent_at ON verification_code_sends (sent_at);

-- The pending row's own counters are what the flood reset; the send log above replaces them. `sent_at` stays:
-- the same number typed again within 30 s is answered with the code just sent.
ALTER TABLE phone_verifications DROP COLUMN sends_in_window, DROP COLUMN window_started_at;

-- Down Migration
ALTER TABLE phone_verifications
  ADD COLUMN sends_in_window integer NOT NULL DEFAULT 1 CHECK (sends_in_window >= 1),
  ADD COLUMN window_started_at timestamptz;
UPDATE phone_verifications SET window_started_at = sent_at;
ALTER TABLE phone_verifications ALTER COLUMN window_started_at SET NOT NULL, ALTER COLUMN sends_in_window DROP DEFAULT;
DROP TABLE verification_code_sends;
