-- Up Migration

-- Twilio signs no timestamp: a signed webhook stays valid forever, and whoever saw one can send it again. A
-- replayed bare "ack" acknowledged a newer alert. Every processed webhook is remembered under what makes it
-- the same webhook (its kind, the SID of the message or call, and what it reports; the gateway sends the same
-- id as x-request-id) with the answer Klaxon gave, so a repeat gets that answer and changes nothing. A row
-- without an answer is being processed: a copy arriving meanwhile waits for the answer; a claim older than a
-- minute belonged to a backend that died and may be taken over. A failed attempt leaves no row (Twilio's retry
-- must be able to do the work).
CREATE TABLE twilio_webhooks (
  key         text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('status', 'keypress', 'inbound')),
  -- Application time (the clock that decides retention).
  received_at timestamptz NOT NULL,
  -- Database time, like delivery leases: it is about processes, not policy.
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz,
  -- The TwiML answered (keypress, inbound); null for a status callback, answered with 204.
  answer      text
);

-- Status callbacks and keypresses are forgotten after 30 days by the delivery sweeper: one repeated later
-- changes nothing anyway (statuses never move back, fallbacks and escalation rounds happen once, a keypress
-- acts on its own delivery's alert, whose state only moves forward). Inbound messages are kept: a reply
-- without a code acts on whatever fits when it arrives, so an old "ack" sent again could act on a newer
-- alert, and Twilio's SIDs carry no date by which to refuse it.
CREATE INDEX twilio_webhooks_forgettable ON twilio_webhooks (received_at) WHERE kind <> 'inbound';

-- Down Migration
DROP TABLE twilio_webhooks;
