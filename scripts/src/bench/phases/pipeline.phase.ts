import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { spawnService, startFakeSlackApi, startFakeTwilio, type ServiceProcess } from '@klaxon/testing';
import { ROOT } from '../apps';
import { BENCH_TENANTS, PAGED_PHONE, PAGED_USER, step, type BenchContext, type PhaseResult, type ReportTable } from '../context';
import { freshDatabase } from '../databases';
import type { LoadSpec } from '../load';
import { childrenOf, pin, postgresCpuMs, postmasterOf, processCpuMs } from '../proc-cpu';
import { BENCH_TWILIO, healthy, spawnBenchBackend, waitUntil } from '../stack';
import { formatRate, median, ratio } from '../stats';

// Klaxon's POST /alert with paging (the built backend, its worker sending through the real Twilio SDK to the
// fake Twilio) against the pipeline's own floor (pipeline-floor.ts), each in its own process, both on CPU 1
// with PostgreSQL, the load (and the fakes) on CPU 0. Rate = alerts raised AND sent ÷ the time from the first
// request to the last send; CPU per alert from /proc, before and after each run.

const SERVER_CPU = '1';
const LOAD_CPU = '0';
/** PostgreSQL flushes a backend's pending statistics when it has been idle this long at most (PGSTAT_IDLE_INTERVAL). */
const STATS_FLUSH_MS = 11_000;

interface Pipeline {
  id: 'klaxon' | 'floor';
  label: string;
  url: string;
  pid: number;
  pool: Pool;
  /** Whether a delivery is still to be sent: each has a partial index for it, so polling reads next to nothing. */
  pendingSql: string;
}

interface PipelineRun {
  alerts: number;
  perSecond: number;
  nodeMsPerAlert: number;
  postgresMsPerAlert: number;
}

/** What PostgreSQL was asked per alert: pg_stat_database and pg_stat_user_tables deltas over the measured runs. */
interface DatabaseCounts {
  xacts: number;
  inserted: number;
  updated: number;
  deleted: number;
  read: number;
  tables: Map<string, { ins: number; upd: number; del: number }>;
}

export async function pipelinePhase(context: BenchContext): Promise<PhaseResult> {
  const { cleanup, secrets } = context;
  const twilio = await startFakeTwilio({ accountSid: BENCH_TWILIO.accountSid, authToken: BENCH_TWILIO.authToken });
  cleanup.add('pipeline: fake Twilio', () => twilio.close());
  const slack = await startFakeSlackApi({ token: secrets.botToken });
  cleanup.add('pipeline: fake Slack', () => slack.close());

  step('pipeline: starting the built backend (its worker included) and the pipeline floor, each in its own process');
  const klaxonUrl = await freshDatabase(context, 'pipeline');
  // BENCH_BACKEND_NODE_OPTIONS: the backend's NODE_OPTIONS, e.g. a --require of a profiler (docs/benchmark.md).
  const nodeOptions = process.env.BENCH_BACKEND_NODE_OPTIONS;
  const backend = await spawnBenchBackend({ databaseUrl: klaxonUrl, twilio, slack, secrets }, nodeOptions ? { NODE_OPTIONS: nodeOptions } : {});
  cleanup.add('pipeline: backend process', () => backend.stop());
  const floorUrl = await freshDatabase(context, 'pipefloor');
  const floor = await spawnFloor(floorUrl);
  cleanup.add('pipeline: floor process', () => floor.stop());
  // The paged person has a stored number in both: a raise reads it from the contacts table.
  for (const tenantId of BENCH_TENANTS) {
    await put(`${backend.url}/contacts/${tenantId}/${PAGED_USER}`, { phone: PAGED_PHONE }, { 'x-service-key': secrets.serviceKey });
    await put(`${floor.url}/contacts`, { tenant_id: tenantId, slack_user_id: PAGED_USER, phone: PAGED_PHONE });
  }

  const klaxonPool = new Pool({ connectionString: klaxonUrl, max: 1 });
  cleanup.add('pipeline: klaxon pool', () => klaxonPool.end());
  const floorPool = new Pool({ connectionString: floorUrl, max: 1 });
  cleanup.add('pipeline: floor pool', () => floorPool.end());
  const pipelines: Pipeline[] = [
    { id: 'klaxon', label: "Klaxon POST /alert with paging (backend + its worker, Twilio SDK → fake)", url: backend.url, pid: pidOf(backend), pool: klaxonPool, pendingSql: "SELECT EXISTS (SELECT 1 FROM deliveries WHERE status IN ('queued', 'sending')) AS pending" },
    { id: 'floor', label: 'pipeline floor (1 statement + add_job; task claims, no-op send, records)', url: floor.url, pid: pidOf(floor), pool: floorPool, pendingSql: "SELECT EXISTS (SELECT 1 FROM floor_deliveries WHERE status IN ('queued', 'sending')) AS pending" },
  ];

  const backendPid = (await klaxonPool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const postmaster = postmasterOf(backendPid);
  const { description: pinning, unpin } = pinAll(postmaster, pipelines, cleanup);
  step(`pipeline: ${pinning}`);
  try {
    return await measurePipelines(context, pipelines, postmaster, pinning);
  } finally {
    unpin();
  }
}

async function measurePipelines(context: BenchContext, pipelines: Pipeline[], postmaster: number | null, pinning: string): Promise<PhaseResult> {
  const { options, problems, secrets } = context;

  const alertSpec = (url: string, durationMs: number): LoadSpec => ({
    baseUrl: url,
    path: '/alert',
    connections: options.dbConnections,
    durationMs,
    recipe: { kind: 'alert', serviceKey: secrets.serviceKey, tenantIds: BENCH_TENANTS, slackUserId: PAGED_USER },
  });
  const runOnce = async (pipeline: Pipeline, durationMs: number): Promise<PipelineRun> => {
    const nodeBefore = processCpuMs(pipeline.pid);
    const postgresBefore = postmaster === null ? Number.NaN : postgresCpuMs(postmaster);
    const started = performance.now();
    const result = await context.load.run(alertSpec(pipeline.url, durationMs));
    if (result.failed > 0) problems.push(`pipeline ${pipeline.id}: ${result.failed} of ${result.ok + result.failed} raises failed, e.g. ${result.failures.join(' | ')}`);
    // Every raise answered 201 after its commit, so its delivery exists: none pending = all sent.
    const drained = await waitUntil(async () => !(await pending(pipeline)), 30_000, 50);
    const elapsedMs = performance.now() - started;
    if (!drained) problems.push(`pipeline ${pipeline.id}: ${result.ok} alerts raised but not all sent within 30 s`);
    const alerts = Math.max(1, result.ok);
    return {
      alerts: result.ok,
      perSecond: result.ok / (elapsedMs / 1000),
      nodeMsPerAlert: (processCpuMs(pipeline.pid) - nodeBefore) / alerts,
      postgresMsPerAlert: postmaster === null ? Number.NaN : (postgresCpuMs(postmaster) - postgresBefore) / alerts,
    };
  };

  step(`pipeline: warming up both (${options.warmupMs / 1000} s each), then ${STATS_FLUSH_MS / 1000} s for PostgreSQL's statistics to settle`);
  for (const pipeline of pipelines) await runOnce(pipeline, options.warmupMs);
  await settleStatistics();
  const countsBefore = await Promise.all(pipelines.map((p) => databaseCounts(p.pool)));
  const runs = new Map<Pipeline['id'], PipelineRun[]>(pipelines.map((p) => [p.id, []]));
  for (let round = 1; round <= options.rounds; round++) {
    const parts: string[] = [];
    for (const pipeline of pipelines) {
      const run = await runOnce(pipeline, options.roundMs);
      runs.get(pipeline.id)!.push(run);
      parts.push(`${pipeline.id} ${formatRate(run.perSecond)}/s, ${run.nodeMsPerAlert.toFixed(2)} ms Node + ${run.postgresMsPerAlert.toFixed(2)} ms PostgreSQL per alert`);
    }
    step(`pipeline: round ${round}/${options.rounds}: ${parts.join(' · ')}`);
  }
  await settleStatistics();
  const countsAfter = await Promise.all(pipelines.map((p) => databaseCounts(p.pool)));
  problems.push(...(await unsent(pipelines[0]!.pool, 'deliveries', 'klaxon')), ...(await unsent(pipelines[1]!.pool, 'floor_deliveries', 'floor')));
  const measuredAlerts = pipelines.map((p) => runs.get(p.id)!.reduce((sum, run) => sum + run.alerts, 0));
  const perAlert = pipelines.map((_, i) => perAlertCounts(countsBefore[i]!, countsAfter[i]!, measuredAlerts[i]!));

  const klaxonRuns = runs.get('klaxon')!;
  const floorRuns = runs.get('floor')!;
  const ratios = klaxonRuns.map((run, i) => ratio(run.perSecond, floorRuns[i]?.perSecond ?? Number.NaN));
  return {
    figures: { pipelineFloor: ratios },
    tables: [
      rateTable(pipelines, runs, ratios, pinning),
      askedTable(pipelines, perAlert),
      tablesTable(perAlert[0]!),
    ],
  };
}

function spawnFloor(databaseUrl: string): Promise<ServiceProcess> {
  return spawnService({
    name: 'pipeline-floor',
    main: path.join(ROOT, 'scripts/dist/bench/pipeline-floor.js'),
    env: (port) => ({ FLOOR_DATABASE_URL: databaseUrl, FLOOR_PORT: String(port) }),
    ready: (url) => healthy(`${url}/healthz`),
  });
}

function pidOf(service: ServiceProcess): number {
  if (service.child.pid === undefined) throw new Error('a pipeline process has no pid');
  return service.child.pid;
}

async function put(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT ${url} answered ${response.status}: ${await response.text()}`);
}

/** Both must have sent every delivery they queued, exactly once (a delivery row is sent once or not at all). */
async function unsent(pool: Pool, table: string, id: string): Promise<string[]> {
  const { rows } = await pool.query<{ sent: number; total: number }>(`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*)::int AS total FROM ${table}`);
  const { sent, total } = rows[0] ?? { sent: 0, total: 0 };
  return sent === total ? [] : [`pipeline ${id}: ${total - sent} of ${total} deliveries not sent`];
}

async function pending(pipeline: Pipeline): Promise<boolean> {
  return (await pipeline.pool.query<{ pending: boolean }>(pipeline.pendingSql)).rows[0]?.pending ?? true;
}

/**
 * Servers and PostgreSQL on CPU 1, this process (the load worker and the fakes) on CPU 0, until `unpin`: the
 * phase undoes it when it ends, so the phases after it (and the processes they spawn, which would inherit this
 * process's affinity, and the PostgreSQL backends, which inherit the postmaster's) have both cores again; at
 * cleanup too, for a phase that failed half way.
 */
function pinAll(postmaster: number | null, pipelines: Pipeline[], cleanup: BenchContext['cleanup']): { description: string; unpin: () => void } {
  if (os.cpus().length < 2) return { description: 'one CPU: nothing pinned', unpin: () => undefined };
  const everyCpu = `0-${os.cpus().length - 1}`;
  const postgresPids = postmaster === null ? [] : [postmaster, ...childrenOf(postmaster)];
  const pinnedLoad = pin(process.pid, LOAD_CPU);
  const pinnedServers = pipelines.every((p) => pin(p.pid, SERVER_CPU));
  // Backends forked later inherit the postmaster's affinity.
  const pinnedPostgres = postgresPids.length > 0 && postgresPids.every((pid) => pin(pid, SERVER_CPU));
  const unpin = (): void => {
    pin(process.pid, everyCpu);
    if (postmaster !== null) for (const pid of [postmaster, ...childrenOf(postmaster)]) pin(pid, everyCpu);
  };
  cleanup.add('pipeline: unpin this process and PostgreSQL', async () => unpin());
  const postgres = pinnedPostgres ? `PostgreSQL (postmaster ${postmaster} and its ${postgresPids.length - 1} children) on CPU ${SERVER_CPU}` : 'PostgreSQL NOT pinned (not on this machine, or taskset refused): its CPU is not on one core';
  return { description: `load on CPU ${LOAD_CPU}${pinnedLoad ? '' : ' (NOT pinned)'}, servers on CPU ${SERVER_CPU}${pinnedServers ? '' : ' (NOT pinned)'}, ${postgres}`, unpin };
}

function settleStatistics(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_MS));
}

async function databaseCounts(pool: Pool): Promise<DatabaseCounts> {
  const { rows } = await pool.query<{ xacts: string; inserted: string; updated: string; deleted: string; read: string }>(
    `SELECT xact_commit + xact_rollback AS xacts, tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted,
            tup_returned + tup_fetched AS read
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  const tables = await pool.query<{ name: string; ins: string; upd: string; del: string }>(
    'SELECT schemaname || \'.\' || relname AS name, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del FROM pg_stat_user_tables',
  );
  const row = rows[0]!;
  return {
    xacts: Number(row.xacts),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    deleted: Number(row.deleted),
    read: Number(row.read),
    tables: new Map(tables.rows.map((t) => [t.name, { ins: Number(t.ins), upd: Number(t.upd), del: Number(t.del) }])),
  };
}

function perAlertCounts(before: DatabaseCounts, after: DatabaseCounts, alerts: number): DatabaseCounts {
  const per = (a: number, b: number) => (a - b) / Math.max(1, alerts);
  const tables = new Map<string, { ins: number; upd: number; del: number }>();
  for (const [name, t] of after.tables) {
    const b = before.tables.get(name) ?? { ins: 0, upd: 0, del: 0 };
    tables.set(name, { ins: per(t.ins, b.ins), upd: per(t.upd, b.upd), del: per(t.del, b.del) });
  }
  return {
    xacts: per(after.xacts, before.xacts),
    inserted: per(after.inserted, before.inserted),
    updated: per(after.updated, before.updated),
    deleted: per(after.deleted, before.deleted),
    read: per(after.read, before.read),
    tables,
  };
}

function rateTable(pipelines: Pipeline[], runs: Map<Pipeline['id'], PipelineRun[]>, ratios: number[], pinning: string): ReportTable {
  const rows = pipelines.map((p) => {
    const r = runs.get(p.id)!;
    const node = median(r.map((x) => x.nodeMsPerAlert));
    const postgres = median(r.map((x) => x.postgresMsPerAlert));
    return [p.label, formatRate(median(r.map((x) => x.perSecond))), node.toFixed(2), postgres.toFixed(2), (node + postgres).toFixed(2), r.map((x) => formatRate(x.perSecond)).join(' ')];
  });
  rows.push(['Klaxon ÷ floor', `${median(ratios).toFixed(2)}x`, '', '', '', ratios.map((x) => `${x.toFixed(2)}x`).join(' ')]);
  return {
    title: `Raise and page, Klaxon vs the pipeline's own floor (16 clients, 8 tenants, one phone target per alert; alerts/s = raised and sent ÷ first request to last send; CPU per alert from /proc; ${pinning}):`,
    header: ['pipeline', 'alerts/s', 'Node ms/alert', 'PostgreSQL ms/alert', 'CPU ms/alert', 'runs (alerts/s)'],
    rows,
  };
}

function askedTable(pipelines: Pipeline[], perAlert: DatabaseCounts[]): ReportTable {
  const figure = (name: string, pick: (c: DatabaseCounts) => number) => [name, ...perAlert.map((c) => pick(c).toFixed(1))];
  const jobs = (c: DatabaseCounts) => c.tables.get('graphile_worker._private_jobs')?.ins ?? Number.NaN;
  return {
    title: 'What PostgreSQL was asked per alert raised and sent (pg_stat_database and pg_stat_user_tables, over the measured runs):',
    header: ['per alert', ...pipelines.map((p) => p.id)],
    rows: [
      figure('transactions', (c) => c.xacts),
      figure('rows inserted', (c) => c.inserted),
      figure('rows updated', (c) => c.updated),
      figure('rows deleted', (c) => c.deleted),
      figure('rows read (returned + fetched)', (c) => c.read),
      figure('jobs queued', jobs),
    ],
  };
}

function tablesTable(klaxon: DatabaseCounts): ReportTable {
  const rows = [...klaxon.tables.entries()]
    .filter(([, t]) => t.ins + t.upd + t.del >= 0.05)
    .sort((a, b) => b[1].ins + b[1].upd + b[1].del - (a[1].ins + a[1].upd + a[1].del))
    .map(([name, t]) => [name, t.ins.toFixed(2), t.upd.toFixed(2), t.del.toFixed(2)]);
  return { title: "Klaxon's rows written per alert, by table:", header: ['table', 'inserted', 'updated', 'deleted'], rows };
}
