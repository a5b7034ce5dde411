import http from 'node:http';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger } from '@klaxon/logger';
import { loadBuiltApp, type BackendMigrateModule, type BackendModule } from '../apps';
import { serve } from '../cleanup';
import { measure, roundRatios, type Target } from '../closed-loop';
import { BENCH_TENANTS, inProcessBackendConfig, PAGED_PHONE, PAGED_USER, step, type BenchContext, type PhaseResult } from '../context';
import { freshDatabase } from '../databases';
import type { LoadSpec } from '../load';

const SERVICE = 'bench-payments';

/**
 * createBackend's POST /alert for a service (its policy's step 1: who is on call worked out, the policy copied
 * onto the alert) against the same raise naming that person, in one run, 8 tenants: what paging a service costs.
 */
export async function servicePhase(context: BenchContext): Promise<PhaseResult> {
  const { options, cleanup, secrets } = context;
  const databaseUrl = await freshDatabase(context, 'service');
  step('service: migrating and starting createBackend, one schedule, policy and service per tenant');
  const { createBackend } = loadBuiltApp<BackendModule>('backend/dist/backend.js');
  const { migrate } = loadBuiltApp<BackendMigrateModule>('backend/dist/db/migrate.js');
  const logger = createLogger({ service: 'backend', level: 'error', format: 'json' });
  await migrate({ databaseUrl, logger });
  const backend = createBackend(inProcessBackendConfig(databaseUrl, secrets, '10s'), logger, { version: 'bench' });
  cleanup.add('backend (database pool)', () => backend.close());
  const server = http.createServer(backend.app);
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  const backendUrl = await serve(server, cleanup, 'backend');

  // Everyone on the rota has a stored number, as the named target does: both raises resolve from the contacts
  // table (Slack is never asked). The schedule is a realistic one: a weekly rotation of five, a business-hours
  // layer over it.
  const put = async (path: string, body: object) => {
    const res = await fetch(`${backendUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'x-service-key': secrets.serviceKey }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
  };
  const rota = [PAGED_USER, 'U0BENCH2', 'U0BENCH3', 'U0BENCH4', 'U0BENCH5'];
  for (const tenantId of BENCH_TENANTS) {
    for (const person of rota) await backend.contacts.update(tenantId, person, { phone: PAGED_PHONE });
    await put(`/schedules/${tenantId}/payments`, {
      time_zone: 'Europe/Berlin',
      layers: [
        { name: 'weekly', members: rota, shift: '1w', handoff: '2026-01-05T09:00' },
        { name: 'days', members: [PAGED_USER], shift: '1d', handoff: '2026-01-05T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
      ],
    });
    await put(`/escalation-policies/${tenantId}/payments-escalation`, {
      steps: [
        { targets: [{ schedule: 'payments' }], escalate_after: '10m' },
        { targets: [{ person: 'U0BENCHLEAD' }], escalate_after: '10m' },
      ],
      repeat: 1,
    });
    await put(`/services/${tenantId}/${SERVICE}`, { escalation_policy: 'payments-escalation' });
  }

  const spec = (service?: string): Omit<LoadSpec, 'durationMs'> => ({
    baseUrl: backendUrl,
    path: '/alert',
    recipe: { kind: 'alert', serviceKey: secrets.serviceKey, tenantIds: BENCH_TENANTS, slackUserId: PAGED_USER, ...(service ? { service } : {}) },
    connections: options.dbConnections,
  });
  const targets: Target[] = [
    { id: 'named8', name: 'POST /alert named', label: 'backend POST /alert {targets: [the on-call person]}, 8 tenants', spec: spec() },
    { id: 'service8', name: 'POST /alert service', label: 'backend POST /alert {service}: who is on call, policy copied, 8 tenants', baseline: 'named8', spec: spec(SERVICE) },
  ];
  const measured = await measure('service', targets, context);
  return { figures: { serviceRaise: roundRatios(measured, 'service8') }, closedLoop: measured };
}
