import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@klaxon/logger';
import { loadBuiltApp, type BackendMigrateModule, type BackendModule, type DatabaseHandle } from '../apps';
import { serve } from '../cleanup';
import { inProcessBackendConfig, step, type BenchContext, type PhaseResult } from '../context';
import { freshDatabase } from '../databases';
import { processCpuMs } from '../proc-cpu';
import type { PingerOptions, PingerReport } from '../heartbeat-pinger';

const TENANT = 'TBENCHBEAT';
const HEARTBEATS = 1_000;
const INTERVAL_S = 10;
/** What a real heartbeat is given: a ping a little late (a timer, a slow request) is not an outage. */
const GRACE_S = 5;

/** CPU used over a window, as % of one core: this process (the backend) and its PostgreSQL sessions. */
interface CpuWindow {
  seconds: number;
  processPercent: number;
  /** Null when the sessions' /proc entries cannot be read (a PostgreSQL on another host). */
  postgresPercent: number | null;
}

/**
 * `--only heartbeats`: 1,000 services, each with a heartbeat every 10 s (5 s grace), on one backend in this
 * process, its check for missed heartbeats running every second as in production. CPU is read over the same
 * real time three times: the idle backend (no heartbeats; its worker and checks running: the baseline), the
 * 1,000 heartbeats checked with none due and no pings (what checking costs), and every heartbeat pinged on time
 * over HTTP from another process (100 pings/s, spread evenly: checking plus taking the pings). Each is this
 * process's CPU (process.cpuUsage) plus that of the PostgreSQL sessions of the bench's database (from /proc).
 * Then the pings stop: every heartbeat must go down, and how late after its deadline its alert was raised is
 * the last figure (DESIGN: within 5 s).
 */
export async function heartbeatsPhase(context: BenchContext): Promise<PhaseResult> {
  const { options, cleanup, secrets } = context;
  const windowMs = options.quick ? 10_000 : 60_000;
  const { createBackend } = loadBuiltApp<BackendModule>('backend/dist/backend.js');
  const { migrate } = loadBuiltApp<BackendMigrateModule>('backend/dist/db/migrate.js');
  const logger = createLogger({ service: 'backend', level: 'error', format: 'json' });
  const databaseUrl = await freshDatabase(context, 'heartbeats');
  await migrate({ databaseUrl, logger });
  const backend = createBackend(inProcessBackendConfig(databaseUrl, secrets, '1h'), logger, { version: 'bench' });
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= backend.close());
  cleanup.add('backend heartbeats (database pool)', close);
  const baseUrl = await serve(http.createServer(backend.app), cleanup, 'backend heartbeats');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  cleanup.add('heartbeat pinger agent', () => Promise.resolve(agent.destroy()));
  const call = (method: string, route: string, body?: object) => send(agent, baseUrl, secrets.serviceKey, method, route, body);

  await backend.startWorker();
  step(`heartbeats: the idle backend for ${windowMs / 1000} s (baseline)`);
  const idle = await cpuOver(windowMs, backend.db, databaseUrl);

  step(`heartbeats: ${HEARTBEATS} services, each with a heartbeat every ${INTERVAL_S} s (grace ${GRACE_S} s)`);
  // The person paged has a stored number, as in the service phase: a raise that had to ask Slack for it would
  // measure Slack (here: nothing answering), not the check.
  await call('PUT', `/contacts/${TENANT}/U0BENCH1`, { name: 'Bench on call', phone: '+14155550100' });
  await call('PUT', `/escalation-policies/${TENANT}/bench`, { steps: [{ targets: [{ person: 'U0BENCH1' }], escalate_after: '5m' }] });
  await inParallel(HEARTBEATS, 16, async (i) => {
    await call('PUT', `/services/${TENANT}/svc-${i}`, { escalation_policy: 'bench' });
    await call('PUT', `/heartbeats/${TENANT}/beat-${i}`, { service: `svc-${i}`, interval: `${INTERVAL_S}s`, grace: `${GRACE_S}s` });
  });
  // Checking alone: every heartbeat up with its deadline ahead, nothing pinging (the PUTs gave each interval +
  // grace, more than the window, from now).
  await backend.db.any(`UPDATE heartbeats SET deadline = now() + interval '1 day'`);
  step(`heartbeats: ${HEARTBEATS} heartbeats checked every second, no pings, for ${windowMs / 1000} s`);
  const checked = await cpuOver(windowMs, backend.db, databaseUrl);
  await backend.db.any(`UPDATE heartbeats SET deadline = now() + make_interval(secs => interval_seconds + grace_seconds)`);

  // Each heartbeat is pinged every INTERVAL_S, all of them spread evenly over the interval.
  const pinger = startPinging({ baseUrl, serviceKey: secrets.serviceKey, tenant: TENANT, prefix: 'beat-', count: HEARTBEATS, intervalS: INTERVAL_S });
  // A round of pings first: every deadline then comes from a ping, not from the PUTs made just now.
  await sleep(INTERVAL_S * 1000);
  const alertsBefore = await alertCount(backend.db);
  step(`heartbeats: ${HEARTBEATS / INTERVAL_S} pings/s (from another process) for ${windowMs / 1000} s`);
  const busy = await cpuOver(windowMs, backend.db, databaseUrl);
  const falseAlarms = (await alertCount(backend.db)) - alertsBefore;
  const pings = await pinger.stop();
  if (pings.failed > 0) context.problems.push(`heartbeats: ${pings.failed} pings failed`);
  if (falseAlarms > 0) context.problems.push(`heartbeats: ${falseAlarms} alerts raised while every heartbeat was pinged on time`);

  step('heartbeats: pings stopped; waiting for every heartbeat to go down');
  const stoppedAt = performance.now();
  let down = 0;
  while (down < HEARTBEATS && performance.now() - stoppedAt < (INTERVAL_S + 30) * 1000) {
    await sleep(500);
    down = Number((await backend.db.any<{ n: string }>(`SELECT count(*) AS n FROM heartbeats WHERE state = 'down'`))[0]?.n ?? 0);
  }
  if (down < HEARTBEATS) context.problems.push(`heartbeats: ${HEARTBEATS - down} of ${HEARTBEATS} never went down after their pings stopped`);
  const [lateness] = await backend.db.any<{ max_s: number | null; p50_s: number | null; alerts: string }>(
    `SELECT extract(epoch FROM max(a.created_at - h.deadline))::float AS max_s,
            extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY a.created_at - h.deadline))::float AS p50_s,
            count(DISTINCT a.id) AS alerts
       FROM heartbeats h JOIN alerts a ON a.id = h.alert_id`,
  );
  const alerts = Number(lateness?.alerts ?? 0);
  if (alerts !== down) context.problems.push(`heartbeats: ${down} went down but ${alerts} alerts were raised for them`);

  // Its checks must not take CPU from the phases after this one.
  await close();
  const total = (window: CpuWindow) => window.processPercent + (window.postgresPercent ?? 0);
  const costPercent = total(busy) - total(idle);
  const pct = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)} %`);
  const over = (window: CpuWindow): string[] => [
    pct(window.processPercent - idle.processPercent),
    pct(window.postgresPercent === null || idle.postgresPercent === null ? null : window.postgresPercent - idle.postgresPercent),
    pct(total(window) - total(idle)),
  ];
  const perPing = (busy.seconds * (costPercent / 100) * 1000) / Math.max(1, (HEARTBEATS / INTERVAL_S) * busy.seconds);
  return {
    figures: { heartbeatsCheckCpu: [total(checked) - total(idle)], heartbeatsCpu: [costPercent], heartbeatLateness: [lateness?.max_s ?? Number.NaN] },
    tables: [
      {
        title: `Heartbeats: ${HEARTBEATS} services, a heartbeat each every ${INTERVAL_S} s with ${GRACE_S} s grace (${HEARTBEATS / INTERVAL_S} pings/s over HTTP) vs the idle backend, CPU as % of one core over ${windowMs / 1000} s each (the pings come from another process)`,
        header: ['', 'backend process', 'PostgreSQL sessions', 'total'],
        rows: [
          ['idle backend (baseline)', pct(idle.processPercent), pct(idle.postgresPercent), pct(total(idle))],
          [`${HEARTBEATS} heartbeats checked, none pinged`, pct(checked.processPercent), pct(checked.postgresPercent), pct(total(checked))],
          [`${HEARTBEATS} heartbeats pinged on time`, pct(busy.processPercent), pct(busy.postgresPercent), pct(total(busy))],
          ['cost of checking (over the baseline)', ...over(checked)],
          ['cost of checking and taking the pings', ...over(busy)],
          ['CPU per ping (ms, backend + PostgreSQL)', '', '', perPing.toFixed(2)],
        ],
      },
      {
        title: `Heartbeats: after the pings stopped (${pings.sent} pings sent), each heartbeat's alert raised this long after its deadline (interval + grace after its last ping)`,
        header: ['heartbeats down', 'alerts raised', 'median late (s)', 'latest (s)'],
        rows: [[String(down), String(alerts), (lateness?.p50_s ?? Number.NaN).toFixed(2), (lateness?.max_s ?? Number.NaN).toFixed(2)]],
      },
    ],
  };
}

/** The pinger in a process of its own (its CPU is not the backend's); stop() answers what it sent. */
function startPinging(options: PingerOptions): { stop(): Promise<PingerReport> } {
  const child = fork(path.join(__dirname, '..', 'heartbeat-pinger.js'), [JSON.stringify(options)], { stdio: 'inherit' });
  const report = new Promise<PingerReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as PingerReport));
    child.once('exit', (code) => reject(new Error(`the heartbeat pinger exited (${code}) before reporting`)));
  });
  return {
    stop: () => {
      child.send('stop');
      return report;
    },
  };
}

/** CPU of this process and of the database's PostgreSQL sessions over `windowMs` of real time. */
async function cpuOver(windowMs: number, db: DatabaseHandle, databaseUrl: string): Promise<CpuWindow> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const sessions = new Map<number, { first: number; last: number }>();
  const sample = async () => {
    const pids = await db.any<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = '${name}'`);
    for (const { pid } of pids) {
      const cpuMs = processCpuMs(pid);
      if (Number.isNaN(cpuMs)) continue;
      const seen = sessions.get(pid);
      sessions.set(pid, { first: seen?.first ?? cpuMs, last: cpuMs });
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sample();
  const readable = sessions.size > 0;
  while (performance.now() - started < windowMs) {
    await sleep(1000);
    await sample();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const postgresMs = [...sessions.values()].reduce((sum, { first, last }) => sum + (last - first), 0);
  return {
    seconds,
    processPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    postgresPercent: readable ? (postgresMs / 1000 / seconds) * 100 : null,
  };
}

async function inParallel(count: number, width: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await run(next++);
  }));
}

/** One JSON request to the backend; throws unless it answers 2xx. */
function send(agent: http.Agent, baseUrl: string, serviceKey: string, method: string, path: string, body?: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${baseUrl}${path}`,
      { method, agent, headers: { 'x-service-key': serviceKey, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) } },
      (res) => {
        res.resume();
        res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function alertCount(db: DatabaseHandle): Promise<number> {
  return Number((await db.any<{ n: string }>('SELECT count(*) AS n FROM alerts'))[0]?.n ?? 0);
}
