/**
 * `npm start` as a developer runs it: the built launcher with its embedded PostgreSQL, stopped with Ctrl-C,
 * that is SIGINT to the terminal's whole foreground process group (launcher, backend and gateway at once).
 * The services must stop before the database, so the shutdown says nothing alarming. One launcher per data
 * directory: a second one refuses and leaves the first untouched, and one killed outright does not block
 * the next. `npm run doctor` beside it checks its database.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isAlive } from '@klaxon/testing';

const REPO = path.resolve(__dirname, '../..');
const LAUNCHER = path.join(REPO, 'scripts/dist/start.js');
// A line a healthy launcher never prints; a shutdown or a second launcher must not cause one either.
const ALARMING = /\berror\b|57P01|terminating connection/i;

jest.setTimeout(120_000);

interface Launcher {
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

interface Ports {
  gateway: number;
  backend: number;
  metrics: number;
  postgres: number;
}

async function distinctPorts(): Promise<Ports> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [gateway, backend, metrics, postgres] = [...ports] as [number, number, number, number];
  return { gateway, backend, metrics, postgres };
}

function launch(dataDir: string, ports: Ports): Launcher {
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd: REPO,
    // Its own process group, like a terminal's foreground job: the test signals the whole group.
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.homedir(),
      KLAXON_DATA_DIR: dataDir,
      KLAXON_EMBEDDED_PG_PORT: String(ports.postgres),
      GATEWAY_PORT: String(ports.gateway),
      GATEWAY_METRICS_PORT: String(ports.metrics),
      BACKEND_PORT: String(ports.backend),
      BACKEND_URL: `http://127.0.0.1:${ports.backend}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { process: child, output: () => output, exited };
}

async function running(launcher: Launcher): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!launcher.output().includes('Klaxon is running.')) {
    if (launcher.process.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${launcher.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A built script of the checkout (scripts/dist/<name>) beside the launcher, as `npm run` runs it. */
function script(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(REPO, 'scripts/dist', name), ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000, env }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const postmasterOf = (dataDir: string): number => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
const status = (url: string): Promise<number> => fetch(url).then((res) => res.status);

describe('npm start', () => {
  let dataDir: string;
  let ports: Ports;
  let first: Launcher | null = null;
  const started: Launcher[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run npm run build first`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-launcher-'));
    // As root, PostgreSQL runs as the postgres user, who must be able to enter the data directory.
    fs.chmodSync(dataDir, 0o755);
    ports = await distinctPorts();
  });
  afterAll(async () => {
    // Whatever a failed test left running: the launchers' groups, then a postmaster they did not stop.
    for (const launcher of started) if (launcher.process.exitCode === null && launcher.process.signalCode === null) process.kill(-launcher.process.pid!, 'SIGKILL');
    await Promise.all(started.map((launcher) => launcher.exited));
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    if (fs.existsSync(pidFile) && isAlive(postmasterOf(dataDir))) process.kill(postmasterOf(dataDir), 'SIGINT');
    for (let waited = 0; fs.existsSync(pidFile) && isAlive(postmasterOf(dataDir)) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts again in the same folder after a launcher was killed outright (its lock is stale)', async () => {
    const killed = launch(dataDir, ports);
    started.push(killed);
    await running(killed);
    // A fresh tenant: the example on-call setup is loaded, and the banner says how to see it.
    expect(killed.output()).toContain('    on call   deploy/oncall.example.yaml loaded for T0DEV: 2 schedules, 1 escalation policy, 1 service\n');
    expect(killed.output()).toContain('npm run slash -- oncall ');
    // A closed terminal or kill -9: the whole group dies at once, and nothing cleans up.
    process.kill(-killed.process.pid!, 'SIGKILL');
    await killed.exited;
    const stale = JSON.parse(fs.readFileSync(path.join(dataDir, 'npm-start.lock'), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(killed.process.pid);

    first = launch(dataDir, ports);
    started.push(first);
    await running(first);
    expect(await status(`http://127.0.0.1:${ports.backend}/health`)).toBe(200);
    // A database kept across restarts holds alerts already: the session it prints cannot assume #1.
    expect(first.output()).toContain('npm run slash -- "ack <n> looking"');
    expect(first.output()).not.toMatch(/\back \d/);
    // The same setup found again: nothing changed, nothing failed.
    expect(first.output()).toContain('    on call   T0DEV has deploy/oncall.example.yaml (loaded at an earlier start, unchanged)\n');
  });

  it('answers the first /alert oncall with a rotation, and exports the setup for the dev tenant without --tenant', async () => {
    if (!first) throw new Error('the first test did not start a launcher');
    const env = { PATH: process.env.PATH ?? '', KLAXON_DATA_DIR: dataDir, GATEWAY_PORT: String(ports.gateway), BACKEND_URL: `http://127.0.0.1:${ports.backend}` };
    const slash = await script('slash.js', ['oncall'], env);
    // In the ack when the backend answers within SLACK_INLINE_ANSWER_MS, else on response_url after a "⏳" ack.
    expect(slash.stdout).toMatch(/(ack: HTTP 200 in \d+ ms|outcome \(response_url\):)\n {2}\*On call now\*\n/);
    // Who it is depends on the day; that it is someone from the payments rotation, until when and who is next, does not.
    expect(slash.stdout).toMatch(/\n• \*payments\*: <@U0[A-Z]+> \(payments\) until \d{4}-\d\d-\d\d \d\d:\d\d UTC, then <@U0[A-Z]+>\n/);
    const exported = await script('oncall.js', ['export'], env);
    expect(exported.stdout).toMatch(/^# On-call config of tenant T0DEV/);
    expect(exported.stdout).toContain('\nservices:\n  payments:\n    escalation_policy: payments-escalation\n');
  });

  it('refuses a second launcher in one line naming the first, and the first keeps running untouched', async () => {
    if (!first) throw new Error('the previous test did not start a launcher');
    const postmaster = postmasterOf(dataDir);
    const before = first.output().length;

    const second = launch(dataDir, ports);
    started.push(second);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    const refusal = second.output().trim();
    expect(refusal.split('\n')).toHaveLength(1);
    expect(refusal).toContain(`npm start is already running with this data directory (${dataDir}): pid ${first.process.pid}, `);
    expect(refusal).toContain(`gateway http://127.0.0.1:${ports.gateway}/slack/events, backend http://127.0.0.1:${ports.backend}`);

    // The second one exited, having touched nothing: the same PostgreSQL serves, both services answer, and
    // the first terminal shows nothing new that is alarming.
    expect(postmasterOf(dataDir)).toBe(postmaster);
    expect(isAlive(postmaster)).toBe(true);
    expect(await status(`http://127.0.0.1:${ports.backend}/health`)).toBe(200);
    expect(await status(`http://127.0.0.1:${ports.gateway}/healthz`)).toBe(200);
    expect(first.output().slice(before).split('\n').filter((line) => ALARMING.test(line))).toEqual([]);
    expect(first.process.exitCode).toBeNull();
  });

  it('lets npm run doctor beside it find its embedded database without DATABASE_URL', async () => {
    if (!first) throw new Error('the first test did not start a launcher');
    // `npm run doctor` runs the built doctor in the checkout, with the same environment as npm start.
    const doctor = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [path.join(REPO, 'apps/backend/dist/doctor.js')],
        { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', KLAXON_DATA_DIR: dataDir, KLAXON_EMBEDDED_PG_PORT: String(ports.postgres) } },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect(doctor.stderr).toBe('');
    expect(doctor.stdout).toMatch(/^✓ database: reachable, all \d+ migrations applied$/m);
    expect(doctor.stdout).not.toMatch(/DATABASE_URL/);
    expect(doctor.stdout).toMatch(/\nReady to page\.\n$/);
    expect(doctor.code).toBe(0);
  });

  it('stops on Ctrl-C: the services, then PostgreSQL, and logs no error', async () => {
    if (!first) throw new Error('the first test did not start a launcher');
    const postmaster = postmasterOf(dataDir);
    expect(isAlive(postmaster)).toBe(true);

    const before = first.output().length;
    process.kill(-first.process.pid!, 'SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const shutdown = first.output().slice(before);
    expect(shutdown).toContain('▸ stopping…');
    expect(shutdown).toContain('▸ stopped');
    expect(shutdown).toContain('backend stopped: requests answered, jobs finished, database closed');
    expect(shutdown.split('\n').filter((line) => ALARMING.test(line))).toEqual([]);
    // The database was stopped by the launcher, last, and not left running; the lock went with it.
    expect(isAlive(postmaster)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'npm-start.lock'))).toBe(false);
  });
});
