import http from 'node:http';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger } from '@klaxon/logger';
import { loadBuiltApp, type BackendMigrateModule, type BackendModule, type DatabaseHandle } from '../apps';
import { serve } from '../cleanup';
import { measure, roundRatios, type Target } from '../closed-loop';
import { BENCH_TENANTS, inProcessBackendConfig, PAGED_PHONE, PAGED_USER, POOL_SIZE, step, type BenchContext, type PhaseResult } from '../context';
import { freshDatabase } from '../databases';
import type { LoadResult, LoadSpec } from '../load';
import { floorServer, raiseShape } from './database-floor';

/** createBackend's POST /alert, in this process, against the database floor; 8 tenants and 1. */
export async function raisePhase(context: BenchContext): Promise<PhaseResult> {
  const { options, cleanup, secrets } = context;
  const databaseUrl = await freshDatabase(context, 'raise');
  step(`raise: migrating and starting createBackend (pool of ${POOL_SIZE}) and the floor server`);
  const { createBackend } = loadBuiltApp<BackendModule>('backend/dist/backend.js');
  const { migrate } = loadBuiltApp<BackendMigrateModule>('backend/dist/db/migrate.js');
  const logger = createLogger({ service: 'backend', level: 'error', format: 'json' });
  await migrate({ databaseUrl, logger });
  const config = inProcessBackendConfig(databaseUrl, secrets, '10s');
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
  const shape = await raiseShape(backend.db, backendUrl, secrets.serviceKey);
  step(`raise: one raise writes ${shape.detailRows} rows beside the alert and queues ${shape.jobs} job(s); the floor does the same`);
  const floor = await floorServer(databaseUrl, shape, cleanup);

  let created = 1; // the shape raise
  const countCreated = async (result: LoadResult) => {
    created += result.ok;
    return undefined;
  };
  const spec = (baseUrl: string, recipe: LoadSpec['recipe']): Omit<LoadSpec, 'durationMs'> => ({ baseUrl, path: '/alert', recipe, connections: options.dbConnections });
  const alertRecipe = (tenantIds: string[]): LoadSpec['recipe'] => ({ kind: 'alert', serviceKey: secrets.serviceKey, tenantIds, slackUserId: PAGED_USER });
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
  context.problems.push(...(await checkAlertRows(backend.db, created)));
  return { figures: { raise8: roundRatios(measured, 'raise8'), raise1: roundRatios(measured, 'raise1') }, closedLoop: measured };
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
