import pgPromise from 'pg-promise';
import { DATABASE_CONNECT_TIMEOUT_MS } from '@klaxon/config';

export type Database = pgPromise.IDatabase<object>;
/** A database or an open transaction: repositories take either, so services compose transactions. */
export type Queryable = pgPromise.IBaseProtocol<object>;

// pg-promise wants exactly one initialisation per process.
const pgp = pgPromise({});

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  applicationName: string;
  /**
   * An idle pooled connection that dies (PostgreSQL restarted or stopped, 57P01) is reported here. The pool
   * replaces it by itself; without a listener Node would treat the pool's 'error' event as a crash.
   */
  onIdleError?: (error: Error) => void;
}

const IDLE_ERROR_QUIET_MS = 30_000;

export function createDatabase({ url, poolSize, applicationName, onIdleError = () => undefined }: DatabaseOptions): Database {
  const db = pgp({
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    // Fail fast when PostgreSQL is down so callers get a 503 in seconds, not a hung request.
    // The lease minimum (NOTIFY_LEASE) counts on this bound for each try to record a sent page.
    connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
    query_timeout: 15_000,
    allowExitOnIdle: true,
  });
  // PostgreSQL stopping or restarting ends every idle connection at once (57P01 each): one report per
  // outage, not one per connection.
  let reportedAt = -Infinity;
  db.$pool.on('error', (error) => {
    if (performance.now() - reportedAt < IDLE_ERROR_QUIET_MS) return;
    reportedAt = performance.now();
    onIdleError(error);
  });
  return db;
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.$pool.end();
}

export const sql = pgp.as;

/** The statements `prepared` names, so one name never stands for two texts (pg refuses that per connection). */
const preparedNames = new Set<string>();

/**
 * A statement of a hot path (each raise or page runs it), sent as a named prepared statement: PostgreSQL
 * parses and plans it once per connection, where a query through pg-promise's formatting arrives as new
 * text with its values inlined and is parsed and planned on every call. Its values go as parameters ($1…),
 * so the text casts what PostgreSQL cannot infer; it names its columns rather than `*`, because a prepared
 * statement's result type is fixed when it is first planned and a column added by a later migration (a
 * rolling deploy's) would fail it.
 */
export function prepared(name: string, text: string): (...values: unknown[]) => pgPromise.PreparedStatement {
  if (preparedNames.has(name)) throw new Error(`two prepared statements are named ${name}`);
  preparedNames.add(name);
  return (...values) => new pgp.PreparedStatement({ name, text, values });
}
