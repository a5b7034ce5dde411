-- Up Migration

-- A reply from a phone names an alert by its number, and numbers are per tenant: someone on call for two
-- workspaces can be paged for #1 by each, and "ack 1" acknowledged whichever came last. Every alert now
-- carries a short code its pages print after the number ("reply ack 1-K7"), typed back in any case; with it a
-- reply names one alert among those the phone was paged for. The code tells alerts apart, it is not a secret.
-- Two characters of an alphabet without look-alikes (no 0/O, 1/I/L, U): 900 codes.
CREATE FUNCTION random_reply_code() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT substr('23456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + floor(random() * 30)::int, 1)
      || substr('23456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + floor(random() * 30)::int, 1)
$$;

ALTER TABLE alerts ADD COLUMN reply_code text;
UPDATE alerts SET reply_code = random_reply_code();
ALTER TABLE alerts
  ALTER COLUMN reply_code SET NOT NULL,
  ADD CONSTRAINT alerts_reply_code_format CHECK (reply_code ~ '^[2-9A-HJKMNP-TV-Z]{2}$');

-- Codes only have to differ between open alerts of the same number (a resolved alert cannot change any more),
-- so a new alert draws until its code is not one of theirs. After a few draws a repeat is kept: a reply naming
-- two open alerts is refused, never guessed (it would take hundreds of tenants with the same open number).
CREATE INDEX alerts_open_reply_code ON alerts (number, reply_code) WHERE status <> 'resolved';

CREATE FUNCTION assign_reply_code() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  candidate text;
BEGIN
  IF NEW.reply_code IS NOT NULL THEN
    RETURN NEW;
  END IF;
  FOR attempt IN 1..8 LOOP
    candidate := random_reply_code();
    EXIT WHEN NOT EXISTS (SELECT 1 FROM alerts WHERE number = NEW.number AND reply_code = candidate AND status <> 'resolved');
  END LOOP;
  NEW.reply_code := candidate;
  RETURN NEW;
END;
$$;
CREATE TRIGGER alerts_reply_code BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION assign_reply_code();

-- A bare "ack" acts only on a page sent recently: when a page went out, not when it was planned (a page held
-- for quiet hours goes out long after) nor when Twilio last reported on it. Older rows take their last update.
ALTER TABLE deliveries ADD COLUMN sent_at timestamptz;
UPDATE deliveries SET sent_at = updated_at WHERE status = 'sent';

-- Down Migration
ALTER TABLE deliveries DROP COLUMN sent_at;
DROP TRIGGER alerts_reply_code ON alerts;
DROP FUNCTION assign_reply_code();
DROP INDEX alerts_open_reply_code;
ALTER TABLE alerts DROP CONSTRAINT alerts_reply_code_format, DROP COLUMN reply_code;
DROP FUNCTION random_reply_code();
