import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ensureDatabase, freePort, startEmbeddedPostgres } from '@klaxon/testing';
import type { Cleanup } from './cleanup';
import { step, type BenchContext } from './context';

/** The PostgreSQL server the bench's databases live on, and how results.json names it. */
export interface DatabaseServer {
  serverUrl: string;
  description: string;
}

export async function databaseServer(cleanup: Cleanup): Promise<DatabaseServer> {
  const given = process.env.DATABASE_URL;
  if (given) {
    step('using the PostgreSQL server of DATABASE_URL');
    return { serverUrl: given, description: 'DATABASE_URL' };
  }
  const port = await freePort();
  // Directly under the temp dir (not in a mkdtemp one, mode 0700): as root, PostgreSQL runs as `postgres`,
  // who must be able to enter every parent directory.
  const dataDir = path.join(os.tmpdir(), `klaxon-bench-pg-${process.pid}-${port}`);
  step(`starting an embedded PostgreSQL on 127.0.0.1:${port} (throw-away data in ${dataDir})`);
  const postgres = await startEmbeddedPostgres({ dataDir, port, persistent: false });
  cleanup.add('embedded PostgreSQL', () => postgres.stop());
  return { serverUrl: postgres.url, description: 'embedded PostgreSQL' };
}

/** Always a fresh database: earlier rows (or another bench) must not change what an insert costs. */
export async function freshDatabase({ database, cleanup }: Pick<BenchContext, 'database' | 'cleanup'>, label: string): Promise<string> {
  const { serverUrl } = database;
  const name = `klaxon_bench_${label}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, name);
  cleanup.add(`drop database ${name}`, () => dropDatabase(serverUrl, name));
  return url;
}

/**
 * Drops the bench's database once its pool has let go. Not WITH (FORCE): the pool's end() resolves before
 * PostgreSQL has seen every session close, and a forced drop then kills those sessions, which pg reports as
 * an unhandled 'error' on the pool. So the drop is retried while the last sessions are still closing.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}"`));
      return;
    } catch (error) {
      const stillInUse = (error as { code?: string }).code === '55006'; // object_in_use
      if (!stillInUse || performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function withClient(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
