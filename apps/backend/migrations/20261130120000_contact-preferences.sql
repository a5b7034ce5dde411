-- Up Migration

-- Item 3 of the delivery engine: a person chooses how Klaxon may reach them. Email is a new channel
-- (opt-in: no existing contact gets it), and quiet hours let low and medium pages wait for the morning.

-- Where email pages go; stored lower-cased so one address is one address. The pattern is a sanity
-- check (one @, a dot in the domain, no spaces), not RFC 5322: the API validates properly first.
ALTER TABLE contacts ADD COLUMN email text
  CHECK (email IS NULL OR (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254));
-- The IANA zone quiet hours are read in (Europe/Berlin); validated by the API, which knows the zone list.
ALTER TABLE contacts ADD COLUMN time_zone text;
-- The person's quiet period in their own time zone; may wrap midnight (22:00 to 07:00).
ALTER TABLE contacts ADD COLUMN quiet_start time;
ALTER TABLE contacts ADD COLUMN quiet_end time;
ALTER TABLE contacts
  ADD CONSTRAINT contacts_quiet_hours_both CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
  ADD CONSTRAINT contacts_quiet_hours_zone CHECK (quiet_start IS NULL OR time_zone IS NOT NULL);
-- The channels a person accepts. Existing rows keep theirs; an empty list would silently stop paging.
-- Target resolution has always read an empty list as the defaults, so writing them down changes nothing.
UPDATE contacts SET channels = ARRAY['whatsapp', 'voice', 'sms'] WHERE cardinality(channels) = 0;
ALTER TABLE contacts
  ADD CONSTRAINT contacts_channels_known CHECK (channels <@ ARRAY['whatsapp', 'sms', 'voice', 'email']::text[] AND cardinality(channels) > 0),
  ADD CONSTRAINT contacts_email_channel_has_address CHECK (NOT ('email' = ANY (channels)) OR email IS NOT NULL);

-- What the person accepted when the alert was raised, kept with the target like its phone, so an
-- escalation later pages only what they accept (and knows their address and quiet hours then).
ALTER TABLE alert_targets
  ADD COLUMN email      text,
  ADD COLUMN accepts    text[] NOT NULL DEFAULT '{}',
  ADD COLUMN quiet_start time,
  ADD COLUMN quiet_end   time,
  ADD COLUMN time_zone   text;

-- Down Migration
ALTER TABLE alert_targets DROP COLUMN time_zone, DROP COLUMN quiet_end, DROP COLUMN quiet_start, DROP COLUMN accepts, DROP COLUMN email;
ALTER TABLE contacts
  DROP CONSTRAINT contacts_email_channel_has_address,
  DROP CONSTRAINT contacts_channels_known,
  DROP CONSTRAINT contacts_quiet_hours_zone,
  DROP CONSTRAINT contacts_quiet_hours_both;
ALTER TABLE contacts DROP COLUMN quiet_end, DROP COLUMN quiet_start, DROP COLUMN time_zone, DROP COLUMN email;
