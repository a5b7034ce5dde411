import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@klaxon/testing';
import { SERVICE_KEY } from './helpers';

const MAIN = path.resolve(__dirname, '../../dist/main.js');

export interface BackendProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** SIGTERM (clean) or SIGKILL (crash); resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The built backend (apps/backend/dist/main.js, as supervisord runs it) in a process of its own, so a test
 * can kill it mid-work. `npm test` builds first; run `npm run build` before running such a test alone.
 */
export async function spawnBackend(env: Record<string, string>): Promise<BackendProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const port = await freePort();
  // Its own working directory: no developer .env is read, and dev state stays out of the repository.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-backend-'));
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: String(port),
      INTERNAL_SERVICE_KEYS: SERVICE_KEY,
      DATABASE_POOL_SIZE: '4',
      NOTIFY_CONCURRENCY: '4',
      KLAXON_DATA_DIR: path.join(cwd, '.data'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy && output.includes('notification worker started')) break;
    if (Date.now() > deadline) throw new Error(`backend not healthy within 20 s:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}
