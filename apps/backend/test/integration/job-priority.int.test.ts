import type { Severity } from '@klaxon/contracts';
import { insertDeliveries, type NewDelivery } from '../../src/notify/delivery.repository';
import { graphileDeliveryQueue } from '../../src/notify/delivery-queue';
import { slackMessageKey } from '../../src/notify/alert-message.jobs';
import { deliveryJobKey, escalationJobKey } from '../../src/jobs/job-queue';
import { findJobs, type KeyedJob } from '../../src/jobs/keyed-jobs.repository';
import { startPagingBackend, type PagingHarness } from './paging-harness';

// The production default (NOTIFY_CONCURRENCY): that many jobs are taken at once when the worker starts.
const CONCURRENCY = 10;
const BACKLOG = 2_500;
const CRITICAL_PHONE = '+14155550999';

let paging: Omit<PagingHarness, 'worker'>;
beforeAll(async () => {
  // A retry waits a minute: its job can be looked at before it runs.
  paging = await startPagingBackend({ notify: { concurrency: CONCURRENCY, retryBaseMs: 60_000 } });
});
afterAll(() => paging.close());

/** Every job left for the alert, found by the keys its jobs carry: its escalation, channel message and deliveries. */
async function jobsOfAlert(alertId: string): Promise<KeyedJob[]> {
  const deliveries = await paging.deliveries(alertId);
  return findJobs(paging.db, [escalationJobKey(alertId), slackMessageKey(alertId), ...deliveries.map((d) => deliveryJobKey(d.id))]);
}

/** The priority of every job left for the alert (its escalation, Slack message, and its deliveries' jobs). */
async function jobPriorities(alertId: string): Promise<Array<{ task: string; priority: number }>> {
  const jobs = (await jobsOfAlert(alertId)).map(({ task, priority }) => ({ task, priority }));
  return jobs.sort((a, b) => a.task.localeCompare(b.task) || a.priority - b.priority);
}

/** How many of the alert's jobs a worker holds: a finished attempt's job is gone once its completion is written. */
async function lockedJobs(alertId: string): Promise<number> {
  return (await jobsOfAlert(alertId)).filter((job) => job.locked).length;
}

describe('job priority by severity', () => {
  it('sends a critical page raised behind 2,500 queued medium pages among the first pages the worker sends', async () => {
    // The backlog: pages of a medium alert, queued as the delivery service queues them, before any worker runs.
    const medium = await paging.raise({ tenant_id: 'T-BACKLOG', message: 'disk filling up', severity: 'medium', targets: [{ phone: '+14155550100' }] });
    const planned: NewDelivery[] = Array.from({ length: BACKLOG }, (_, i) => ({
      alertId: medium.id,
      tenantId: 'T-BACKLOG',
      channel: 'whatsapp',
      slackUserId: null,
      address: `+1415${2_000_000 + i}`,
      round: 0,
    }));
    const backlog = await insertDeliveries(paging.db, planned, paging.backend.clock.now());
    await graphileDeliveryQueue.enqueue(paging.db, backlog.map((d) => ({ deliveryId: d.id, severity: medium.severity as Severity })));

    const critical = await paging.raise({ tenant_id: 'T-URGENT', message: 'checkout is down', severity: 'critical', targets: [{ phone: CRITICAL_PHONE }] });
    expect(await jobPriorities(critical.id)).toEqual([
      { task: 'deliver', priority: 0 },
      { task: 'deliver', priority: 0 },
      { task: 'escalate', priority: 0 },
    ]);
    expect(new Set((await jobPriorities(medium.id)).map((job) => job.priority))).toEqual(new Set([4]));

    await paging.backend.startWorker();
    // Ordering, not timing: stop looking once the page arrived or far more pages than the worker takes at once went out.
    const isCritical = (to: string | undefined) => to === `whatsapp:${CRITICAL_PHONE}`;
    const sent = await paging.eventually(
      async () => paging.twilio.messages().map((m) => m.form.To),
      (to) => to.some(isCritical) || to.length >= 20 * CONCURRENCY,
      60_000,
    );
    const position = sent.findIndex(isCritical);
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThan(CONCURRENCY);
  });

  it('keeps the priority of the alert on a retry', async () => {
    // The backlog may still be going out: only this alert's page fails.
    paging.twilio.respondWith((req) => (req.form.To === 'whatsapp:+14155550111' ? { type: 'error', status: 500, code: 20500, message: 'Internal Server Error' } : undefined));
    const alert = await paging.raise({ tenant_id: 'T-RETRY', message: 'api errors', severity: 'high', targets: [{ phone: '+14155550111' }] });
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds[0]?.attempts === 1 && ds[0]?.status === 'queued');
    // The failed attempt's job is completed in a batch just after the retry is queued: wait for it to go.
    await paging.eventually(() => lockedJobs(alert.id), (n) => n === 0);
    expect(await jobPriorities(alert.id)).toEqual([
      { task: 'deliver', priority: 2 },
      { task: 'escalate', priority: 2 },
    ]);
  });
});
