-- Up Migration

-- The channels Klaxon pages on are the ones its backend registers (the ChannelRegistry: one line per provider
-- room in backend.ts), so lists of channel names frozen here made adding a channel a migration as well. The
-- backend checks a contact's channels against its registry (a 422 naming `channels` with the ones it knows);
-- the database keeps the names as text. A contact with no channel at all could never be paged: that rule stays,
-- under a name that says only that.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE contacts
  DROP CONSTRAINT contacts_channels_known,
  ADD CONSTRAINT contacts_channels_some CHECK (cardinality(channels) > 0);

-- Down Migration
-- Fails while a row names a channel outside the old lists: move those rows to a shipped channel first.
ALTER TABLE contacts
  DROP CONSTRAINT contacts_channels_some,
  ADD CONSTRAINT contacts_channels_known CHECK (channels <@ ARRAY['whatsapp', 'sms', 'voice', 'email']::text[] AND cardinality(channels) > 0);
ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('whatsapp', 'sms', 'voice', 'email', 'slack', 'log'));
