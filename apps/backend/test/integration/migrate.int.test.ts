import { readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
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
      expect(tables.rows.map((r) => r.table_name)).toEqual(['alert_events', 'alert_targets', 'alerts', 'contacts', 'deliveries', 'pgmigrations', 'tenant_alert_counters']);
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
