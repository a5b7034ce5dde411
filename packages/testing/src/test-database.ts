import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by the jest global setup: the server every test file creates its own database on. */
export const TEST_SERVER_URL_VARIABLE = 'KLAXON_TEST_SERVER_URL';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  const url = process.env[TEST_SERVER_URL_VARIABLE];
  if (!url) throw new Error(`${TEST_SERVER_URL_VARIABLE} is not set: run integration tests through jest (its global setup starts PostgreSQL)`);
  return url;
}

/** A fresh, empty database for one test file, so files never see each other's rows. */
export async function createTestDatabase(prefix = 'klaxon_test'): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withClient(serverUrl, (client) => dropWhenFree(client, name)),
  };
}

/**
 * Drops a test database once its sessions have ended. A pool closed a moment ago may still be ending its
 * connections; terminating them under it (WITH FORCE) makes pg emit an 'error' nobody listens to any
 * more, which jest reports as a failed suite. So the plain DROP is tried for a while first (55006: still
 * in use), and FORCE is only the last resort for a session that really was left open.
 */
async function dropWhenFree(client: Client, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
