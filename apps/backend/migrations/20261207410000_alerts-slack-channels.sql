-- Up Migration

-- A key bound to a tenant may name a Slack channel only where the tenant's people raised an alert from Slack:
-- POST /alert asks "has this tenant raised from Slack in this channel?" on every raise that names one, which
-- this answers from the index alone, however many alerts the tenant has.
CREATE INDEX alerts_slack_channels ON alerts (tenant_id, slack_channel_id) WHERE origin = 'slack';

-- Down Migration
DROP INDEX alerts_slack_channels;
