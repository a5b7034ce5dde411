import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { TEST_SERVER_URL_VARIABLE } from './test-database';

declare global {
  var klaxonTestPostgres: EmbeddedPostgres | undefined;
}

/** One PostgreSQL for the whole run: DATABASE_URL when set, else an embedded one in a throw-away directory. */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env[TEST_SERVER_URL_VARIABLE] = process.env.DATABASE_URL;
    return;
  }
  const port = await freePort();
  globalThis.klaxonTestPostgres = await startEmbeddedPostgres({
    dataDir: path.join(os.tmpdir(), `klaxon-test-pg-${process.pid}-${port}`),
    port,
    persistent: false,
  });
  process.env[TEST_SERVER_URL_VARIABLE] = globalThis.klaxonTestPostgres.url;
}
