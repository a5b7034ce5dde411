import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves when the process has written `text` (throws with its output if it exits or `timeoutMs` passes first). */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with how the process ended, once it has. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (clean) or SIGKILL (crash); resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnServiceOptions {
  /** For messages: "backend", "gateway". */
  name: string;
  /** The built entry point (`apps/<name>/dist/main.js`, as supervisord runs it). */
  main: string;
  /** Its command-line arguments (`--role worker`). */
  args?: (port: number) => string[];
  /** Environment variables, given the port picked for the service. */
  env: (port: number) => Record<string, string>;
  /** Ready when this holds (polled every 100 ms, 20 s at most). */
  ready: (url: string, output: string) => Promise<boolean>;
}

/**
 * A built service in a process of its own, so a test can signal or kill it mid-work. `npm test` builds
 * first; run `npm run build` before running such a test alone.
 */
export async function spawnService({ name, main, args, env, ready }: SpawnServiceOptions): Promise<ServiceProcess> {
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const port = await freePort();
  // Its own working directory: no developer .env is read, and dev state stays out of the repository.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), `klaxon-${name}-`));
  const child = spawn(process.execPath, [main, ...(args?.(port) ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'info', KLAXON_DATA_DIR: path.join(cwd, '.data'), ...env(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => fs.rmSync(cwd, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  const poll = async (what: string, timeoutMs: number, done: () => Promise<boolean>) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await done()) return;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${name}: not ${what} within ${timeoutMs} ms:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await poll('ready', 20_000, () => ready(url, output));
  return {
    url,
    child,
    output: () => output,
    waitForOutput: (text, timeoutMs = 10_000) => poll(`writing "${text}"`, timeoutMs, async () => output.includes(text)),
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
