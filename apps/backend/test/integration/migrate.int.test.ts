import { readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { runner } from 'node-pg-migrate';
import { createLogger } from '@klaxon/logger';
import { createTestDatabase, type TestDatabase } from '@klaxon/testing';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate';

const logger = createLogger({ service: 'backend', format: 'json', stream: new PassThrough() });

describe('migrate', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('lets three backends starting together apply the schema exactly once, without an error', async () => {
    const results = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl: database.url, logger })));
    const applied = results.flat();
    const expected = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
    expect(expected[0]).toBe('20261123100000_create-core-schema');
    expect(applied).toEqual(expected);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'alert_escalations',
        'alert_events',
        'alert_targets',
        'alerts',
        'contacts',
        'deliveries',
        'escalation_policies',
        'escalation_policy_schedules',
        'handoff_notices',
        'heartbeats',
        'pagerduty_events',
        'pagerduty_integrations',
        'paging_limit_counters',
        'pgmigrations',
        'phone_verifications',
        'schedule_overrides',
        'schedules',
        'service_maintenance',
        'services',
        'tenant_alert_counters',
        'twilio_webhooks',
        'verification_code_sends',
      ]);
      // The audit trail is append-only in the schema itself.
      await expect(client.query('UPDATE alert_events SET note = $1', ['x'])).resolves.toBeDefined(); // no rows: allowed
      await client.query("INSERT INTO alerts (tenant_id, number, severity, message, origin) VALUES ('t', 1, 'low', 'm', 'api')");
      await client.query("INSERT INTO alert_events (alert_id, tenant_id, kind) SELECT id, 't', 'created' FROM alerts");
      await expect(client.query("UPDATE alert_events SET note = 'rewritten'")).rejects.toThrow(/append-only/);
      await expect(client.query('DELETE FROM alert_events')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });

  it('finds nothing to do on a second start', async () => {
    expect(await migrate({ databaseUrl: database.url, logger })).toEqual([]);
  });
});

describe('20261130100000_alert-origin', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('backfills origin from the old source, keeps the source, and from then on takes free-text sources only with a valid origin', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const before = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && f < '20261130100000').length;
      await runner({ dbClient: client, dir: MIGRATIONS_DIR, direction: 'up', count: before, migrationsTable: 'pgmigrations', noLock: true, singleTransaction: true, log: () => undefined });
      await client.query(
        "INSERT INTO alerts (tenant_id, number, severity, message, source) VALUES ('t', 1, 'low', 'm', 'slack'), ('t', 2, 'low', 'm', 'api'), ('t', 3, 'low', 'm', 'alertmanager')",
      );
      expect(await migrate({ databaseUrl: database.url, logger })).toContain('20261130100000_alert-origin');

      const rows = await client.query('SELECT number, source, origin FROM alerts ORDER BY number');
      expect(rows.rows).toEqual([
        { number: 1, source: 'slack', origin: 'slack' },
        { number: 2, source: 'api', origin: 'api' },
        { number: 3, source: 'alertmanager', origin: 'alertmanager' },
      ]);
      await client.query("INSERT INTO alerts (tenant_id, number, severity, message, source, origin) VALUES ('t', 4, 'low', 'm', 'billing-api', 'api'), ('t', 5, 'low', 'm', NULL, 'slack')");
      await expect(client.query("INSERT INTO alerts (tenant_id, number, severity, message) VALUES ('t', 6, 'low', 'm')")).rejects.toThrow(/origin/);
      await expect(client.query("INSERT INTO alerts (tenant_id, number, severity, message, origin) VALUES ('t', 6, 'low', 'm', 'billing-api')")).rejects.toThrow(/alerts_origin_check/);
      await expect(client.query("INSERT INTO alerts (tenant_id, number, severity, message, source, origin) VALUES ('t', 6, 'low', 'm', '', 'api')")).rejects.toThrow(/alerts_source_length/);
    } finally {
      await client.end();
    }
  });
});

describe('20261130120000_contact-preferences', () => {
  let database: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('keeps every existing contact’s phone and channels, adds email to nobody, and then enforces the new rules', async () => {
    const before = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && f < '20261130120000').length;
    await runner({ databaseUrl: database.url, dir: MIGRATIONS_DIR, direction: 'up', count: before, migrationsTable: 'pgmigrations', log: () => undefined });
    await client.query(`INSERT INTO contacts (tenant_id, slack_user_id, name, phone, channels, source) VALUES
      ('T1', 'U0SELF', 'Sam', '+14155550101', ARRAY['whatsapp'], 'self'),
      ('T1', 'U0SLACK', NULL, '+447911123456', ARRAY['whatsapp', 'voice', 'sms'], 'slack'),
      ('T1', 'U0EMPTY', NULL, '+14155550102', ARRAY[]::text[], 'import')`);

    expect(await migrate({ databaseUrl: database.url, logger })).toContain('20261130120000_contact-preferences');

    const rows = await client.query('SELECT slack_user_id, name, phone, channels, source, email, time_zone, quiet_start, quiet_end FROM contacts ORDER BY slack_user_id');
    const none = { email: null, time_zone: null, quiet_start: null, quiet_end: null };
    expect(rows.rows).toEqual([
      // An empty list always meant the defaults to target resolution; now it says so.
      { slack_user_id: 'U0EMPTY', name: null, phone: '+14155550102', channels: ['whatsapp', 'voice', 'sms'], source: 'import', ...none },
      { slack_user_id: 'U0SELF', name: 'Sam', phone: '+14155550101', channels: ['whatsapp'], source: 'self', ...none },
      { slack_user_id: 'U0SLACK', name: null, phone: '+447911123456', channels: ['whatsapp', 'voice', 'sms'], source: 'slack', ...none },
    ]);

    const insert = (columns: string, values: string) => client.query(`INSERT INTO contacts (tenant_id, slack_user_id, source, ${columns}) VALUES ('T2', 'U0NEW', 'self', ${values})`);
    await expect(insert('email', "'Jane@Example.com'")).rejects.toThrow(/contacts_email_check/);
    await expect(insert('email', "'not an address'")).rejects.toThrow(/contacts_email_check/);
    await expect(insert('channels', "ARRAY['email']")).rejects.toThrow(/contacts_email_channel_has_address/);
    // Which names are channels is the backend's registry's word since 20261208610000 (tested there); none is still none.
    await expect(insert('channels', "ARRAY[]::text[]")).rejects.toThrow(/contacts_channels_some/);
    await expect(insert('time_zone, quiet_start', "'UTC', '22:00'")).rejects.toThrow(/contacts_quiet_hours_both/);
    await expect(insert('quiet_start, quiet_end', "'22:00', '07:00'")).rejects.toThrow(/contacts_quiet_hours_zone/);
    // A contact may have only an email, and quiet hours with their zone.
    await insert('email, channels, time_zone, quiet_start, quiet_end', "'jane@example.com', ARRAY['email'], 'Europe/Berlin', '22:00', '07:00'");
  });
});


describe('20261208610000_channel-names-as-text', () => {
  it('keeps any channel name a backend registers, on contacts and deliveries, and still refuses a contact with none', async () => {
    const database = await createTestDatabase();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const before = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && f < '20261208610000').length;
      await runner({ dbClient: client, dir: MIGRATIONS_DIR, direction: 'up', count: before, migrationsTable: 'pgmigrations', noLock: true, singleTransaction: true, log: () => undefined });
      const contact = (slackUserId: string, channels: string) =>
        client.query(`INSERT INTO contacts (tenant_id, slack_user_id, phone, source, channels) VALUES ('T1', '${slackUserId}', '+14155550101', 'self', ${channels})`);
      const delivery = () => client.query("INSERT INTO deliveries (alert_id, tenant_id, channel, address, round) SELECT id, 'T1', 'pager', '+14155550101', 0 FROM alerts");
      await client.query("INSERT INTO alerts (tenant_id, number, severity, message, origin) VALUES ('T1', 1, 'high', 'm', 'api')");
      await expect(contact('U0PAGER', "ARRAY['pager', 'voice']")).rejects.toThrow(/contacts_channels_known/);
      await expect(delivery()).rejects.toThrow(/deliveries_channel_check/);

      expect(await migrate({ databaseUrl: database.url, logger })).toContain('20261208610000_channel-names-as-text');

      await contact('U0PAGER', "ARRAY['pager', 'voice']");
      await expect(contact('U0NONE', 'ARRAY[]::text[]')).rejects.toThrow(/contacts_channels_some/);
      await delivery();
      const stored = await client.query("SELECT c.channels, d.channel FROM contacts c, deliveries d WHERE c.slack_user_id = 'U0PAGER'");
      expect(stored.rows).toEqual([{ channels: ['pager', 'voice'], channel: 'pager' }]);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
