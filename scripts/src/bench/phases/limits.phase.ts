import http from 'node:http';
import { Client } from 'pg';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger } from '@klaxon/logger';
import { loadBuiltApp, type BackendErrorsModule, type BackendMigrateModule, type BackendModule, type BenchPagingLimiterFactory, type DatabaseHandle } from '../apps';
import { serve } from '../cleanup';
import { measure, type Target } from '../closed-loop';
import { BENCH_TENANTS, inProcessBackendConfig, PAGED_PHONE, PAGED_USER, POOL_SIZE, step, type BenchContext, type PhaseResult } from '../context';
import { freshDatabase } from '../databases';
import { libraryLimiter, memoryLimiter } from '../limiters';
import type { LoadResult } from '../load';
import { formatRate, median } from '../stats';

/** Each tenant's alerts are raised by one Slack user of it, so all three limits count every raise. */
const RAISED_BY = 'U0BENCHBY';

interface Design {
  id: string;
  name: string;
  label: string;
  /** Klaxon's own limiter when absent. */
  limiter?: BenchPagingLimiterFactory;
  /** How many raises the design counted, read back from where it counts (null: it keeps no count to read). */
  counted: (db: DatabaseHandle) => Promise<number | null>;
}

/**
 * POST /alert with the per-user, per-tenant and global limits counted three ways, each a backend of its own
 * on a database of its own, rounds alternating: in this process's memory (what Klaxon did before; exact for
 * one backend only), rate-limiter-flexible's PostgreSQL store (three upserts before the raise), and Klaxon's
 * one statement (the counts in the raise's own statement). Limits high enough that nothing is refused: this
 * measures what counting costs.
 */
export async function limitsPhase(context: BenchContext): Promise<PhaseResult> {
  const { options, cleanup, secrets } = context;
  const { createBackend } = loadBuiltApp<BackendModule>('backend/dist/backend.js');
  const { migrate } = loadBuiltApp<BackendMigrateModule>('backend/dist/db/migrate.js');
  const errors = loadBuiltApp<BackendErrorsModule>('backend/dist/common/errors.js');
  const logger = createLogger({ service: 'backend', level: 'error', format: 'json' });
  const designs: Design[] = [
    { id: 'limitsMemory', name: 'memory', label: 'POST /alert, limits in process memory (before)', limiter: memoryLimiter(errors), counted: () => Promise.resolve(null) },
    {
      id: 'limitsLibrary',
      name: 'rate-limiter-flexible',
      label: 'POST /alert, limits in rate-limiter-flexible (PostgreSQL)',
      limiter: libraryLimiter(errors),
      counted: async (db) => Number((await db.any<{ n: string }>("SELECT coalesce(sum(points), 0) AS n FROM bench_rate_limiter_flexible WHERE key LIKE 'per_tenant:%'"))[0]?.n ?? 0),
    },
    {
      id: 'limitsSql',
      name: 'one statement',
      label: 'POST /alert, limits in the raise statement (kept)',
      counted: async (db) => Number((await db.any<{ n: string }>("SELECT coalesce(sum(count), 0) AS n FROM paging_limit_counters WHERE name = 'per_tenant'"))[0]?.n ?? 0),
    },
  ];

  const targets: Target[] = [];
  const checks: Array<() => Promise<void>> = [];
  const work: Array<{ design: Design; databaseUrl: string; before: DatabaseWork; created: () => number; close: () => Promise<void> }> = [];
  for (const design of designs) {
    const databaseUrl = await freshDatabase(context, `limits_${design.name.replace(/[^a-z]/g, '')}`);
    await migrate({ databaseUrl, logger });
    // Windows of an hour for the user and the team, so every raise of the phase stays counted and the counts
    // can be checked against the alerts stored; the global limit's window is a minute whatever this says.
    const config = inProcessBackendConfig(databaseUrl, secrets, '1h');
    const backend = createBackend(config, logger, { version: 'bench', ...(design.limiter ? { pagingLimiter: design.limiter } : {}) });
    // Closed before the run ends too: its sessions' statistics reach pg_stat_database when they exit.
    let closing: Promise<void> | null = null;
    const close = () => (closing ??= backend.close());
    cleanup.add(`backend ${design.name} (database pool)`, close);
    for (const tenantId of BENCH_TENANTS) await backend.contacts.update(tenantId, PAGED_USER, { phone: PAGED_PHONE });
    const server = http.createServer(backend.app);
    server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
    server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
    const baseUrl = await serve(server, cleanup, `backend ${design.name}`);
    let created = 0;
    targets.push({
      id: design.id,
      name: design.name,
      label: design.label,
      ...(design.id === 'limitsMemory' ? {} : { baseline: 'limitsMemory' }),
      spec: {
        baseUrl,
        path: '/alert',
        recipe: { kind: 'alert', serviceKey: secrets.serviceKey, tenantIds: BENCH_TENANTS, slackUserId: PAGED_USER, raisedBy: RAISED_BY },
        connections: options.dbConnections,
      },
      afterRun: async (result: LoadResult) => {
        created += result.ok;
        return undefined;
      },
    });
    // Every 201 must be one stored alert, counted once against its tenant (where the design keeps counts).
    checks.push(async () => {
      const [row] = await backend.db.any<{ n: string }>('SELECT count(*) AS n FROM alerts');
      const stored = Number(row?.n ?? 0);
      if (stored !== created) context.problems.push(`limits (${design.name}): ${created} raises answered 201 but ${stored} alerts are stored`);
      const counted = await design.counted(backend.db);
      if (counted !== null && counted !== created) context.problems.push(`limits (${design.name}): ${created} raises answered 201 but ${counted} are counted against their tenants`);
    });
    work.push({ design, databaseUrl, before: await databaseWork(databaseUrl), created: () => created, close });
  }
  step(`limits: ${designs.map((d) => d.name).join(', ')}: one backend each (pool of ${POOL_SIZE}), ${BENCH_TENANTS.length} tenants, each raising as one Slack user`);
  const measured = await measure('limits', targets, context);
  for (const check of checks) await check();
  const rows: string[][] = [];
  for (const { design, databaseUrl, before, created, close } of work) {
    await close();
    const after = await databaseWork(databaseUrl);
    const per = (n: number) => (created() === 0 ? 'n/a' : (n / created()).toFixed(2));
    rows.push([design.label, String(created()), per(after.commits - before.commits), per(after.rows - before.rows), formatRate(median((measured.find((m) => m.target.id === design.id)?.rounds ?? []).map((round) => round.perSecond)))]);
  }
  return {
    figures: {},
    closedLoop: measured,
    tables: [
      {
        title:
          "Limits: what each design asks of PostgreSQL per accepted raise, from pg_stat_database (each design has a database of its own; transactions include the raise's read-only look for a twin). Unlike the rates, these do not move with the machine's load",
        header: ['design', 'raises', 'transactions per raise', 'rows written per raise', 'raises/s (median)'],
        rows,
      },
    ],
  };
}

interface DatabaseWork {
  commits: number;
  rows: number;
}

/** Transactions committed and rows written in this database so far (sessions still open report later). */
async function databaseWork(databaseUrl: string): Promise<DatabaseWork> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ commits: string; rows: string }>(
      'SELECT xact_commit AS commits, tup_inserted + tup_updated + tup_deleted AS rows FROM pg_stat_database WHERE datname = current_database()',
    );
    return { commits: Number(rows[0]?.commits ?? 0), rows: Number(rows[0]?.rows ?? 0) };
  } finally {
    await client.end();
  }
}
