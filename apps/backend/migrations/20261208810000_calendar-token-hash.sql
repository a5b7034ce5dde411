-- Up Migration

-- A schedule's calendar feed is public (PUBLIC_BASE_URL/calendar/<token>.ics) and the token is its only
-- credential. Looking a presented token up by the token itself would let a B-tree comparison's time depend on
-- how many leading characters of a real token the guess shares; looked up by its SHA-256, the time depends on
-- a hash the caller cannot steer toward a real one, so an unknown token and a malformed one cost the same and
-- teach nothing. The hash is generated from the token, so no writer (a PUT, a token replacement, an import)
-- can store one without the other.
--
-- `decode(…, 'escape')` gives the token's bytes as they are (PostgreSQL's immutable way: convert_to is only
-- stable, which a generated column refuses); it would read a backslash as an escape, so the CHECK keeps tokens
-- to base64url, which is all Klaxon has ever written (24 random bytes, 32 characters).
ALTER TABLE schedules
  ADD CONSTRAINT schedules_calendar_token_base64url CHECK (calendar_token ~ '^[A-Za-z0-9_-]+$'),
  ADD COLUMN calendar_token_hash bytea GENERATED ALWAYS AS (sha256(decode(calendar_token, 'escape'))) STORED;
ALTER TABLE schedules ADD CONSTRAINT schedules_calendar_token_hash_key UNIQUE (calendar_token_hash);

-- Down Migration
ALTER TABLE schedules DROP CONSTRAINT schedules_calendar_token_hash_key;
ALTER TABLE schedules DROP COLUMN calendar_token_hash;
ALTER TABLE schedules DROP CONSTRAINT schedules_calendar_token_base64url;
