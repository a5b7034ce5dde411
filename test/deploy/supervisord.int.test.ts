/**
 * The production process layout, for real: supervisord runs the repository's supervisord.conf (not a
 * copy) with the built services, against a fresh PostgreSQL database, in production mode: the gateway, the
 * backend's API and two backend workers (WORKER_PROCESSES=2), paging through the fake Twilio.
 *
 * Run directory. supervisord.conf puts everything under %(here)s/.data/supervisor/, %(here)s being
 * the checkout, so the image and this test use the same file. supervisord has no way to take a
 * default for a missing %(ENV_X)s, so the file uses one only where it must: WORKER_PROCESSES (numprocs),
 * which the image and docker-compose.yml default and supervisorctl does not read. For paths this
 * test moves what it can with supervisord's own options: the log (-l), the pid file (-j) and the
 * programs' AUTO log files (-q childlogdir) go to a temporary directory, so a developer's logs in
 * .data/supervisor are neither appended to nor cleaned up. The control socket cannot be moved from
 * the command line, so the test uses the checkout's .data/supervisor/supervisor.sock, as an operator
 * would; if a supervisord of this checkout is already listening there, the test fails and says so
 * rather than touching it (supervisord itself would refuse to start). Two runs of this test in one
 * checkout (two engineers' `npm test`) take turns through a lock file next to the socket.
 *
 * The services read a `.env` in the checkout if there is one (variables set here win).
 */
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort, isAlive, startFakeTwilio, type FakeTwilio, type TestDatabase } from '@klaxon/testing';

const REPO = path.resolve(__dirname, '../..');
const CONF = path.join(REPO, 'supervisord.conf');
const SUPERVISOR_DIR = path.join(REPO, '.data', 'supervisor');
const SOCKET = path.join(SUPERVISOR_DIR, 'supervisor.sock');
const RUN_LOCK = path.join(SUPERVISOR_DIR, 'deploy-test.lock');
const BUILD_OUTPUTS = ['apps/backend/dist/main.js', 'apps/gateway/dist/main.js', 'packages/config/dist/index.js', 'packages/logger/dist/index.js', 'packages/contracts/dist/index.js'];
const DOCKERFILE = path.join(REPO, 'deploy', 'Dockerfile');

const STEP_TIMEOUT_MS = 90_000;
const READY_TIMEOUT_MS = 40_000;
const LOCK_WAIT_MS = 50_000;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface ProgramStatus {
  state: string;
  pid: number | null;
  line: string;
}

const WORKERS = ['worker:worker-0', 'worker:worker-1'];
const BACKEND_PROGRAMS = ['api', ...WORKERS];
const TWILIO_ACCOUNT_SID = `AC${'d'.repeat(32)}`;

const secrets = {
  TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
  SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
  SLACK_BOT_TOKEN: `xoxb-deploy-test-${randomBytes(12).toString('hex')}`,
  INTERNAL_SERVICE_KEYS: `deploy-test-${randomBytes(24).toString('hex')}`,
};

let database: TestDatabase | undefined;
let holdsRunLock = false;
let runDir = '';
let supervisord: ChildProcess | undefined;
let supervisordExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
let supervisordOutput = '';
let env: NodeJS.ProcessEnv = {};
let backendPort = 0;
let gatewayPort = 0;
let twilio: FakeTwilio | undefined;
/** worker-N serves /health on BACKEND_PORT + 1 + N. */
const workerPort = (n: number) => backendPort + 1 + n;
const programPids = new Set<number>();

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: REPO, env: options.env ?? process.env, timeout: options.timeoutMs ?? 15_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? error.message : '') });
    });
  });
}

/** supervisorctl exactly as an operator types it: the repository's file, nothing else. */
function supervisorctl(...args: string[]): Promise<RunResult> {
  return run('supervisorctl', ['-c', CONF, ...args]);
}

async function programStatus(name: string): Promise<ProgramStatus | null> {
  const { stdout } = await supervisorctl('status', name);
  const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) return null;
  const state = line.trim().split(/\s+/)[1] ?? '';
  const pid = /\bpid (\d+),/.exec(line)?.[1];
  return { state, pid: pid ? Number(pid) : null, line: line.trim() };
}

async function httpGet(url: string): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the assertion message
    }
    return { status: res.status, body };
  } catch {
    return null;
  }
}

/** Polls until `probe` returns a value, or fails naming what it waited for and what it saw last. */
async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = READY_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (supervisord && (supervisord.exitCode !== null || supervisord.signalCode !== null)) {
      throw new Error(`supervisord exited (${supervisord.exitCode ?? supervisord.signalCode}) while waiting for ${what}\n${supervisordOutput.slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      const status = await supervisorctl('status').catch(() => null);
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}\n` +
          `supervisorctl status:\n${status?.stdout ?? '(unavailable)'}\n` +
          `supervisord output (last 3000 chars):\n${supervisordOutput.slice(-3000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Still one of the services this test started (and not a process that reused the pid). */
function isOurProgram(pid: number): boolean {
  try {
    return /apps\/(backend|gateway)\/dist\/main\.js/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** Each port can be bound on loopback now (freePort() finds one; the workers need the ones after it). */
async function portsFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true); // something holds the port but does not answer: not closed
    });
    socket.once('error', () => resolve(false));
  });
}

function socketIsServed(file: string): Promise<boolean> {
  if (!fs.existsSync(file)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect({ path: file });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

/** CI machines may lack supervisord: install Debian's package, or fail saying how. Never skip. */
function ensureSupervisor(): void {
  if (onPath('supervisord') && onPath('supervisorctl')) return;
  const howTo = 'install it with `apt-get update && apt-get install -y supervisor` (Debian package) and run the test again';
  if (!onPath('apt-get')) throw new Error(`supervisord is not on PATH and there is no apt-get here: ${howTo}`);
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=60 supervisor'], {
    encoding: 'utf8',
    timeout: 80_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0 || !onPath('supervisord') || !onPath('supervisorctl')) {
    const output = `${install.stdout ?? ''}${install.stderr ?? ''}${install.error ? install.error.message : ''}`.trim().slice(-1500);
    throw new Error(`supervisord is not on PATH and installing Debian's supervisor failed (exit ${install.status}; it needs root and the network): ${howTo}\n${output}`);
  }
}

/**
 * One run of this test per checkout at a time: the socket path is shared. The lock holds the pid of
 * its owner; a lock whose owner is gone (a run killed hard) is taken over.
 */
async function acquireRunLock(): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(RUN_LOCK, String(process.pid), { flag: 'wx' });
      holdsRunLock = true;
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: string;
    try {
      owner = fs.readFileSync(RUN_LOCK, 'utf8').trim();
    } catch {
      continue; // released meanwhile
    }
    if (owner !== '' && !isAlive(Number(owner))) {
      // Re-read right before removing, so a lock just taken by a third run is left alone.
      if (fs.existsSync(RUN_LOCK) && fs.readFileSync(RUN_LOCK, 'utf8').trim() === owner) fs.rmSync(RUN_LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another run of this test (pid ${owner || '?'}) has held ${RUN_LOCK} for over ${LOCK_WAIT_MS / 1000} s; wait for it or end it`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function releaseRunLock(): void {
  if (!holdsRunLock) return;
  try {
    if (fs.readFileSync(RUN_LOCK, 'utf8').trim() === String(process.pid)) fs.rmSync(RUN_LOCK, { force: true });
  } catch {
    // already gone
  }
  holdsRunLock = false;
}

/** The HEALTHCHECK command of deploy/Dockerfile, so the test runs the image's own probe. */
function dockerHealthcheckCommand(): string {
  const joined = fs.readFileSync(DOCKERFILE, 'utf8').replace(/\\\r?\n/g, ' ');
  const line = joined.split('\n').find((l) => /^\s*HEALTHCHECK\s/.test(l));
  const command = line ? /\sCMD\s+(.*)$/.exec(line)?.[1]?.trim() : undefined;
  if (!command) throw new Error('deploy/Dockerfile has no HEALTHCHECK ... CMD line');
  return command;
}

function runHealthcheck(): Promise<RunResult> {
  const probeEnv = { PATH: env.PATH, GATEWAY_PORT: env.GATEWAY_PORT, BACKEND_HOST: env.BACKEND_HOST, BACKEND_PORT: env.BACKEND_PORT, WORKER_PROCESSES: env.WORKER_PROCESSES };
  return run('sh', ['-c', dockerHealthcheckCommand()], { env: probeEnv, timeoutMs: 12_000 });
}

/** The programs' AUTO log files in the run directory (supervisorctl cannot tail a stopped supervisord). */
function readProgramLogs(): string[] {
  return fs
    .readdirSync(runDir)
    .filter((f) => /^(api|worker-\d+|gateway)-stdout/.test(f))
    .map((f) => fs.readFileSync(path.join(runDir, f), 'utf8'));
}

async function tail(program: string): Promise<string> {
  const result = await supervisorctl('tail', '-65536', program);
  expect(result.code).toBe(0);
  return result.stdout;
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null; // the first line of a byte window may be cut
      }
    })
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object');
}

jest.setTimeout(STEP_TIMEOUT_MS);

beforeAll(async () => {
  ensureSupervisor();

  const missing = BUILD_OUTPUTS.filter((file) => !fs.existsSync(path.join(REPO, file)));
  if (missing.length > 0) throw new Error(`build output missing (${missing.join(', ')}): run npm run build first`);

  // supervisord does not create the directory of its socket.
  fs.mkdirSync(SUPERVISOR_DIR, { recursive: true });
  await acquireRunLock();
  if (await socketIsServed(SOCKET)) {
    throw new Error(
      `a supervisord of this checkout is already serving ${SOCKET} (supervisord.conf fixes that path); ` +
        'stop it with `supervisorctl -c supervisord.conf shutdown` and run the test again',
    );
  }
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-supervisord-'));

  database = await createTestDatabase('klaxon_deploy');
  twilio = await startFakeTwilio({ accountSid: TWILIO_ACCOUNT_SID, authToken: secrets.TWILIO_AUTH_TOKEN });
  // The API's port and the two after it (the workers') must all be free.
  backendPort = await freePort();
  while (!(await portsFree([backendPort + 1, backendPort + 2]))) backendPort = await freePort();
  const taken = () => [backendPort, workerPort(0), workerPort(1), gatewayPort];
  gatewayPort = await freePort();
  while (taken().slice(0, 3).includes(gatewayPort)) gatewayPort = await freePort();
  // The gateway's loopback metrics listener too: the default 9091 may be taken by another run on this host.
  let gatewayMetricsPort = await freePort();
  while (taken().includes(gatewayMetricsPort)) gatewayMetricsPort = await freePort();

  // A clean environment, as docker-compose's env_file would give: nothing from the developer's shell
  // or from jest leaks in, and `node` is the one running this test.
  env = {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? os.homedir(),
    LANG: 'C.UTF-8',
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    BACKEND_HOST: '127.0.0.1',
    BACKEND_PORT: String(backendPort),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_METRICS_PORT: String(gatewayMetricsPort),
    BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    SLACK_BOT_ID: 'BKLAXONDEPLOY',
    SLACK_BOT_USER_ID: 'UKLAXONDEPLOY',
    WORKER_PROCESSES: '2',
    TWILIO_ACCOUNT_SID,
    TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
    TWILIO_API_BASE_URL: twilio.url,
    // Production wants the https origin Twilio calls back; no callback is exercised here.
    PUBLIC_BASE_URL: 'https://klaxon.example.com',
    KLAXON_DATA_DIR: path.join(runDir, 'data'), // production generates nothing; if it did, not in the checkout
    ...secrets,
  };

  startSupervisord(env);
});

function startSupervisord(environment: NodeJS.ProcessEnv): void {
  supervisordOutput = '';
  supervisord = spawn(
    'supervisord',
    ['-c', CONF, '-n', '-l', path.join(runDir, 'supervisord.log'), '-j', path.join(runDir, 'supervisord.pid'), '-q', runDir],
    { cwd: REPO, env: environment, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  supervisord.stdout?.on('data', (chunk: Buffer) => (supervisordOutput += chunk.toString('utf8')));
  supervisord.stderr?.on('data', (chunk: Buffer) => (supervisordOutput += chunk.toString('utf8')));
  const child = supervisord;
  supervisordExit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

afterAll(async () => {
  if (supervisord && supervisord.exitCode === null && supervisord.signalCode === null) {
    supervisord.kill('SIGTERM');
    const stopped = await Promise.race([supervisordExit, new Promise((resolve) => setTimeout(() => resolve(null), 35_000))]);
    if (!stopped) supervisord.kill('SIGKILL');
  }
  // Programs outlive a SIGKILLed supervisord: end the ones this test saw, by pid.
  for (const pid of programPids) if (isOurProgram(pid)) process.kill(pid, 'SIGKILL');
  try {
    await twilio?.close();
    await database?.drop();
  } finally {
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
    releaseRunLock();
  }
}, STEP_TIMEOUT_MS);

describe('supervisord.conf: the production process layout', () => {
  it('brings up the API, two workers and the gateway, each answering its health check with its role', async () => {
    const backend = await waitFor(`api GET http://127.0.0.1:${backendPort}/health to answer 200`, async () => {
      const res = await httpGet(`http://127.0.0.1:${backendPort}/health`);
      return res?.status === 200 ? res : null;
    });
    expect(backend.body).toMatchObject({ status: 'healthy', db: 'up', role: 'api', runs: ['api'] });
    for (const n of [0, 1]) {
      const worker = await waitFor(`worker-${n} GET http://127.0.0.1:${workerPort(n)}/health to answer 200`, async () => {
        const res = await httpGet(`http://127.0.0.1:${workerPort(n)}/health`);
        return res?.status === 200 ? res : null;
      });
      expect(worker.body).toMatchObject({ status: 'healthy', role: 'worker', runs: ['jobs', 'sweeps', 'handoff-planning', 'heartbeat-checks'], jobs: { worker: 'running' } });
    }

    const gateway = await waitFor(`gateway GET http://127.0.0.1:${gatewayPort}/healthz to answer 200`, async () => {
      const res = await httpGet(`http://127.0.0.1:${gatewayPort}/healthz`);
      return res?.status === 200 ? res : null;
    });
    expect(gateway.body).toEqual({ status: 'ok' });
    // The public port serves only Slack and the health check.
    expect((await httpGet(`http://127.0.0.1:${gatewayPort}/health`))?.status).toBe(404);
  });

  it('shows the API, two workers and the gateway RUNNING in `supervisorctl status`, each a node process of its dist/main.js', async () => {
    for (const name of [...BACKEND_PROGRAMS, 'gateway']) {
      const status = await waitFor(`${name} to be RUNNING in supervisorctl status`, async () => {
        const s = await programStatus(name);
        return s?.state === 'RUNNING' ? s : null;
      });
      expect(status.pid).toEqual(expect.any(Number));
      const pid = status.pid as number;
      programPids.add(pid);
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain(name === 'gateway' ? 'apps/gateway/dist/main.js' : 'apps/backend/dist/main.js');
      if (name !== 'gateway') expect(cmdline.slice(cmdline.indexOf('--role'), cmdline.indexOf('--role') + 2)).toEqual(['--role', name === 'api' ? 'api' : 'worker']);
      expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(REPO);
      // The environment came from supervisord's own (docker-compose's env_file in the image).
      const childEnv = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(childEnv).toEqual(expect.arrayContaining(['NODE_ENV=production', `SUPERVISOR_PROCESS_NAME=${name.replace(/^worker:/, '')}`]));
    }
    const all = await supervisorctl('status');
    expect(all.code).toBe(0);
    // Three backend programs (the API and WORKER_PROCESSES=2 workers) and the gateway.
    expect(all.stdout.match(/^(api|worker:worker-\d+)\s+RUNNING\s+pid \d+/gm)).toHaveLength(3);
    expect(all.stdout).toMatch(/^api\s+RUNNING\s+pid \d+/m);
    expect(all.stdout).toMatch(/^worker:worker-0\s+RUNNING\s+pid \d+/m);
    expect(all.stdout).toMatch(/^worker:worker-1\s+RUNNING\s+pid \d+/m);
    expect(all.stdout).toMatch(/^gateway\s+RUNNING\s+pid \d+/m);
    // priority: the workers are spawned first, then the API, then the gateway.
    const log = fs.readFileSync(path.join(runDir, 'supervisord.log'), 'utf8');
    const spawned = (name: string) => log.indexOf(`spawned: '${name}'`);
    expect(spawned('worker-0')).toBeGreaterThanOrEqual(0);
    expect(spawned('worker-1')).toBeGreaterThanOrEqual(0);
    expect(Math.max(spawned('worker-0'), spawned('worker-1'))).toBeLessThan(spawned('api'));
    expect(spawned('api')).toBeLessThan(spawned('gateway'));
  });

  it('pages through them: an alert raised on the API is sent by a worker to the fake Twilio, once', async () => {
    const res = await fetch(`http://127.0.0.1:${backendPort}/alert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-service-key': secrets.INTERNAL_SERVICE_KEYS },
      body: JSON.stringify({ tenant_id: 'T-DEPLOY', message: 'deploy test [supervisord]', severity: 'high', targets: [{ phone: '+14155550142' }] }),
    });
    expect(res.status).toBe(201);
    const pages = await waitFor('the page at the fake Twilio', async () => {
      const sent = twilio!.messages().filter((m) => m.form.Body?.includes('[supervisord]') && m.responseStatus !== undefined && m.responseStatus < 300);
      return sent.length > 0 ? sent : null;
    });
    expect(pages).toHaveLength(1);
    expect(pages[0]!.form).toMatchObject({ To: 'whatsapp:+14155550142', From: 'whatsapp:+14155238886' });
    // The API runs no jobs: a worker sent it, and says so in its log.
    const apiLog = await tail('api');
    const workerLogs = (await Promise.all(WORKERS.map((name) => tail(name)))).join('\n');
    expect(jsonLines(workerLogs).some((e) => e.message === 'notification worker started')).toBe(true);
    expect(jsonLines(apiLog).some((e) => e.message === 'notification worker started')).toBe(false);
  });

  it('passes the HEALTHCHECK of deploy/Dockerfile while all of them run', async () => {
    const probe = await runHealthcheck();
    expect({ code: probe.code, stderr: probe.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('makes the backend log readable through `supervisorctl tail` as JSON lines, without secrets', async () => {
    const backendLog = await tail('api');
    const backendEntries = jsonLines(backendLog);
    expect(backendEntries).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'backend listening', service: 'backend' })]));
    expect(backendEntries.find((e) => e.message === 'backend listening')).toMatchObject({ url: `http://127.0.0.1:${backendPort}`, nodeEnv: 'production', role: 'api', runs: ['api'] });
    expect(jsonLines(await tail('worker:worker-1')).find((e) => e.message === 'backend listening')).toMatchObject({ url: `http://127.0.0.1:${workerPort(1)}`, role: 'worker' });

    const gatewayLog = await tail('gateway');
    expect(jsonLines(gatewayLog)).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'gateway listening', service: 'gateway' })]));

    for (const secret of Object.values(secrets)) {
      expect(backendLog).not.toContain(secret);
      expect(gatewayLog).not.toContain(secret);
    }
  });

  it('restarts a SIGKILLed API under a new pid, healthy again, and leaves the gateway alone', async () => {
    const before = await supervisorctl('pid', 'api');
    const oldPid = Number(before.stdout.trim());
    expect(oldPid).toBeGreaterThan(1);
    const gatewayBefore = await programStatus('gateway');

    process.kill(oldPid, 'SIGKILL');
    await waitFor(`old backend pid ${oldPid} to be gone`, async () => !isAlive(oldPid));

    const restarted = await waitFor('api RUNNING again with a new pid', async () => {
      const s = await programStatus('api');
      return s?.state === 'RUNNING' && s.pid !== null && s.pid !== oldPid ? s : null;
    });
    programPids.add(restarted.pid as number);
    expect(isAlive(restarted.pid as number)).toBe(true);

    const health = await waitFor('the restarted backend /health to answer 200', async () => {
      const res = await httpGet(`http://127.0.0.1:${backendPort}/health`);
      return res?.status === 200 ? res : null;
    });
    expect(health.body).toMatchObject({ status: 'healthy', db: 'up' });

    const gatewayAfter = await programStatus('gateway');
    expect(gatewayAfter).toMatchObject({ state: 'RUNNING', pid: gatewayBefore?.pid });

    // supervisord saw an unexpected death and started the program again.
    expect(fs.readFileSync(path.join(runDir, 'supervisord.log'), 'utf8')).toMatch(/exited: api \(terminated by SIGKILL; not expected\)/);
    const listening = jsonLines(await tail('api')).filter((e) => e.message === 'backend listening');
    expect(listening.length).toBeGreaterThanOrEqual(2);
  });

  it('shuts down cleanly: every program stops on SIGTERM with exit 0, ports and socket close', async () => {
    const pids = await Promise.all([...BACKEND_PROGRAMS, 'gateway'].map(async (name) => (await programStatus(name))?.pid ?? null));
    expect(pids).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]);

    const shutdown = await supervisorctl('shutdown');
    expect(shutdown.stdout).toMatch(/Shut down/);

    const exit = await waitFor('supervisord to exit after `supervisorctl shutdown`', async () =>
      Promise.race([supervisordExit, new Promise<null>((resolve) => setTimeout(() => resolve(null), 500))]),
    );
    expect(exit).toEqual({ code: 0, signal: null });

    for (const pid of pids) expect(isAlive(pid as number)).toBe(false);
    for (const port of [backendPort, workerPort(0), workerPort(1), gatewayPort]) expect(await portAcceptsConnections(port)).toBe(false);
    expect(fs.existsSync(SOCKET)).toBe(false);

    // stopsignal=TERM reached the services' own shutdown path (exit 0, not a kill): the gateway first, then
    // the API, then the workers, so jobs raised until the end are still sent.
    const log = fs.readFileSync(path.join(runDir, 'supervisord.log'), 'utf8');
    for (const name of ['gateway', 'api', 'worker-0', 'worker-1']) expect(log).toMatch(new RegExp(`stopped: ${name} \\(exit status 0\\)`));
    expect(log.indexOf('stopped: gateway')).toBeLessThan(log.indexOf('stopped: api'));
    expect(log.indexOf('stopped: api')).toBeLessThan(Math.min(log.indexOf('stopped: worker-0'), log.indexOf('stopped: worker-1')));

    // With nothing running, the image's health check reports unhealthy.
    expect((await runHealthcheck()).code).not.toBe(0);
  });

  it('stops supervisord when a program goes FATAL (a bad configuration), so the container exits instead of running half-dead', async () => {
    // Production refuses to start without its secrets: both programs exit at once, every retry, until FATAL.
    const { SLACK_SIGNING_SECRET: _dropped, ...withoutSecret } = env;
    fs.rmSync(path.join(runDir, 'supervisord.log'), { force: true });
    startSupervisord(withoutSecret);
    const exited = supervisordExit!;

    const exit = await waitFor(
      'supervisord to stop by itself once a program is FATAL',
      () => Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 500))]),
      STEP_TIMEOUT_MS - 10_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nsupervisord.log:\n${fs.readFileSync(path.join(runDir, 'supervisord.log'), 'utf8').slice(-3000)}`);
    });
    expect(exit.signal).toBeNull();

    const log = fs.readFileSync(path.join(runDir, 'supervisord.log'), 'utf8');
    expect(log).toMatch(/gave up: (api|worker-\d|gateway) entered FATAL state/);
    // The listener's own line, in its AUTO log: why the container stopped.
    const listenerLogs = fs.readdirSync(runDir).filter((f) => f.startsWith('stop-on-fatal-stderr'));
    const said = listenerLogs.map((f) => fs.readFileSync(path.join(runDir, f), 'utf8')).join('');
    expect(said).toMatch(/stop-on-fatal: (api|worker-\d|gateway) entered FATAL \(see its log\); stopping supervisord so the container exits/);
    // The program said why it would not start, one line naming the missing variable.
    expect(readProgramLogs().join('')).toMatch(/config error: .*SLACK_SIGNING_SECRET/);
    expect(await portAcceptsConnections(backendPort)).toBe(false);
    expect(fs.existsSync(SOCKET)).toBe(false);
  });
});
