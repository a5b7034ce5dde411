import { Pool } from 'pg';
import { startFakeSlackApi, startFakeTwilio, type ServiceProcess } from '@klaxon/testing';
import { BENCH_TENANTS, PAGED_PHONE, PAGED_USER, step, type BenchContext, type PhaseResult } from '../context';
import { postgresCpuMs, postmasterOf, processCpuMs } from '../proc-cpu';
import { freshDatabase } from '../databases';
import { BENCH_TWILIO, spawnBenchBackend, waitUntil } from '../stack';
import { pagesByTag } from '../traffic';

interface RoleRun {
  workers: number;
  accepted: number;
  raisingS: number;
  firstPageS: number;
  allPagedS: number;
  paged: number;
  duplicates: number;
  /** CPU in ms: the API's per alert accepted, the workers' (together) per alert paged, PostgreSQL's (the bench's server, every process of it) per alert accepted. */
  apiMsPerAlert: number;
  workerMsPerAlert: number;
  databaseMsPerAlert: number;
}

/**
 * The backend in roles (docs/scaling.md): one `api` process and 1, then 2, `worker` processes on a fresh database
 * each, the storm's alerts through the API as fast as it takes them → the first page and the last at the fake
 * Twilio, duplicates, and CPU per alert per role from /proc.
 */
export async function rolesPhase(context: BenchContext): Promise<PhaseResult> {
  const runs: RoleRun[] = [];
  for (const workers of [1, 2]) runs.push(await stormWithWorkers(context, workers));
  const [one, two] = runs as [RoleRun, RoleRun];
  const seconds = (s: number) => (Number.isFinite(s) ? `${s.toFixed(1)} s` : 'not within the bound');
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
  const perSecond = (count: number, s: number) => (Number.isFinite(s) && s > 0 ? count / s : Number.NaN);
  const rate = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)}/s` : '—');
  const row = (run: RoleRun) => [
    `${run.workers} worker${run.workers > 1 ? 's' : ''}`,
    String(run.accepted),
    rate(perSecond(run.accepted, run.raisingS)),
    seconds(run.firstPageS),
    seconds(run.allPagedS),
    rate(perSecond(run.paged, run.allPagedS)),
    String(run.duplicates),
    ms(run.apiMsPerAlert),
    ms(run.workerMsPerAlert),
    ms(run.databaseMsPerAlert),
  ];
  return {
    // The storm's goal with two workers: every alert accepted and paged (a storm not wholly raised within the bound is not a figure).
    figures: { rolesStormTime: [two.accepted === context.options.rolesAlerts ? two.allPagedS : Number.NaN], rolesDuplicates: [two.duplicates] },
    tables: [
      {
        title: `Roles: ${context.options.rolesAlerts.toLocaleString('en-US')} alerts through one api process, paged by 1 then 2 worker processes (one run each; the last row: rates and CPU 2 ÷ 1, first page 1 ÷ 2, so above 1× is faster, or costlier for CPU; raising bounded to ${context.options.stormDeadlineMs / 1000} s, paging to ${context.options.stormDeadlineMs / 1000} s more; CPU in ms per alert, from /proc):`,
        header: ['workers', 'accepted', 'raised', 'first page', 'all paged after', 'paged', 'duplicates', 'api CPU', 'workers CPU', 'PostgreSQL CPU'],
        rows: [
          row(one),
          row(two),
          // Rates (raised/s, paged/s, CPU) as 2 ÷ 1: above 1× is faster for rates, costlier for CPU; times as 1 ÷ 2, above 1× sooner.
          [
            '2 workers vs 1',
            '',
            ratio(perSecond(two.accepted, two.raisingS), perSecond(one.accepted, one.raisingS)),
            ratio(one.firstPageS, two.firstPageS),
            '',
            ratio(perSecond(two.paged, two.allPagedS), perSecond(one.paged, one.allPagedS)),
            '',
            ratio(two.apiMsPerAlert, one.apiMsPerAlert),
            ratio(two.workerMsPerAlert, one.workerMsPerAlert),
            ratio(two.databaseMsPerAlert, one.databaseMsPerAlert),
          ],
        ],
      },
    ],
  };
}

async function stormWithWorkers(context: BenchContext, workers: number): Promise<RoleRun> {
  const { options, load, cleanup, secrets, problems } = context;
  const label = `roles_${workers}w`;
  const databaseUrl = await freshDatabase(context, label);
  const twilio = await startFakeTwilio({ accountSid: BENCH_TWILIO.accountSid, authToken: BENCH_TWILIO.authToken });
  const slack = await startFakeSlackApi({ token: secrets.botToken });
  slack.setUser(PAGED_USER, { real_name: 'Bench Person', profile: { phone: PAGED_PHONE, display_name: 'bench' } });
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  const processes: ServiceProcess[] = [];
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(processes.map((p) => p.stop()));
    await pool.end();
    await twilio.close();
    await slack.close();
  };
  cleanup.add(`${label}: processes and fakes`, stopAll);
  try {
    step(`roles: one api and ${workers} worker process${workers > 1 ? 'es' : ''} (built backend, its own database)`);
    const stack = { databaseUrl, twilio, slack, secrets };
    const api = await spawnBenchBackend(stack, {}, 'api');
    processes.push(api);
    const workerProcesses = await Promise.all(Array.from({ length: workers }, () => spawnBenchBackend(stack, {}, 'worker')));
    processes.push(...workerProcesses);

    const backendPid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const postmaster = postmasterOf(backendPid);
    const pidOf = (p: ServiceProcess) => p.child.pid ?? -1;
    const cpu = () => ({
      api: processCpuMs(pidOf(api)),
      workers: workerProcesses.reduce((sum, w) => sum + processCpuMs(pidOf(w)), 0),
      database: postmaster === null ? Number.NaN : postgresCpuMs(postmaster),
    });
    const cpuBefore = cpu();
    const started = Date.now();
    const result = await load.run({
      baseUrl: api.url,
      path: '/alert',
      connections: options.dbConnections,
      durationMs: options.stormDeadlineMs,
      maxRequests: options.rolesAlerts,
      recipe: { kind: 'alert', serviceKey: secrets.serviceKey, tenantIds: BENCH_TENANTS, slackUserId: PAGED_USER, tagPrefix: `roles${workers}-` },
    });
    const raisingS = (Date.now() - started) / 1000;
    if (result.failed > 0) problems.push(`roles (${workers} workers): ${result.failed} raises failed, e.g. ${result.failures.join(' | ')}`);
    await waitUntil(() => pagesByTag(twilio).size >= result.ok, options.stormDeadlineMs, 250);
    const cpuAfter = cpu();
    const pages = pagesByTag(twilio);
    const firstAt = Math.min(...[...pages.values()].map((p) => p.firstAtMs));
    const lastAt = Math.max(...[...pages.values()].map((p) => p.firstAtMs));
    const complete = pages.size >= result.ok;
    const perAlert = (ms: number) => (result.ok > 0 ? ms / result.ok : Number.NaN);
    const run: RoleRun = {
      workers,
      accepted: result.ok,
      raisingS,
      firstPageS: pages.size > 0 ? (firstAt - started) / 1000 : Number.POSITIVE_INFINITY,
      allPagedS: complete ? (lastAt - started) / 1000 : Number.POSITIVE_INFINITY,
      paged: pages.size,
      duplicates: [...pages.values()].reduce((sum, page) => sum + page.count - 1, 0),
      apiMsPerAlert: perAlert(cpuAfter.api - cpuBefore.api),
      workerMsPerAlert: pages.size > 0 ? (cpuAfter.workers - cpuBefore.workers) / pages.size : Number.NaN,
      databaseMsPerAlert: perAlert(cpuAfter.database - cpuBefore.database),
    };
    step(
      `roles: ${workers} worker(s): ${run.accepted} accepted in ${raisingS.toFixed(1)} s, first page ${run.firstPageS.toFixed(2)} s, ` +
        `${run.paged} paged${complete ? ` after ${run.allPagedS.toFixed(1)} s` : ' (not all within the bound)'}, ${run.duplicates} duplicates; ` +
        `CPU per alert: api ${run.apiMsPerAlert.toFixed(2)} ms, workers ${run.workerMsPerAlert.toFixed(2)} ms, PostgreSQL ${run.databaseMsPerAlert.toFixed(2)} ms`,
    );
    return run;
  } finally {
    await stopAll().catch(() => undefined);
  }
}
