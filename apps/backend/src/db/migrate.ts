import path from 'node:path';
import { Client } from 'pg';
import { Logger as JobQueueLogger, runMigrations as runJobQueueMigrations } from 'graphile-worker';
import { runner } from 'node-pg-migrate';
import type { Logger } from '@klaxon/logger';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');
// Any fixed 64-bit number works; it only has to be the same for every Klaxon backend on this database.
const MIGRATION_LOCK_ID = 7_202_611_231_000;

/**
 * Applies pending migrations under a blocking advisory lock: a second backend starting at the same
 * moment waits, then finds nothing to do (node-pg-migrate's own lock would make it fail instead).
 */
// graphile-worker logs each migration step at info; ours says once that the schema is ready.
const silentJobQueueLogger = new JobQueueLogger(() => () => undefined);

export async function migrate({ databaseUrl, logger }: { databaseUrl: string; logger: Logger }): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'klaxon-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      noLock: true,
      checkOrder: true,
      singleTransaction: true,
      log: (message: string) => logger.debug('migration', { detail: message }),
    });
    // The job queue's schema too, before anything can raise an alert: alerts queue their jobs in the
    // same transaction, so the graphile_worker schema must exist even before a worker starts.
    await runJobQueueMigrations({ connectionString: databaseUrl, logger: silentJobQueueLogger });
    const names = applied.map((migration) => migration.name);
    logger.info(names.length > 0 ? 'migrations applied' : 'schema up to date', { migrations: names });
    return names;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}
