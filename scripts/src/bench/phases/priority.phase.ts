import { randomUUID } from 'node:crypto';
import {
  loadBuiltApp,
  type BackendDeliveryRepositoryModule,
  type BackendJobQueueModule,
  type BackendDeliveryQueueModule,
  type BenchDelivery,
} from '../apps';
import { step, type BenchContext, type PhaseResult } from '../context';
import { startStack, stopServices, waitUntil, type Stack } from '../stack';

const PRIORITY_BACKLOG = 5_000;

/** A critical alert raised behind a growing backlog of medium pages → its WhatsApp request at the fake Twilio. */
export async function priorityPhase(context: BenchContext): Promise<PhaseResult> {
  const { options, problems, secrets } = context;
  const stack = await startStack(context, 'priority');
  try {
    const medium = await raiseThroughApi(stack, secrets.serviceKey, { tenant_id: 'TBENCHBACKLOG', message: 'backlog', severity: 'medium', targets: [{ phone: '+14155550300' }] });
    const runs: number[] = [];
    const rows: string[][] = [];
    for (let run = 1; run <= options.rounds; run++) {
      await queueMediumBacklog(stack, medium.id, run);
      const { rows: counted } = await stack.pool.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM deliveries WHERE status = 'queued'");
      const waiting = counted[0]?.waiting ?? 0;
      const phone = `+1415555092${run}`;
      const started = Date.now();
      await raiseThroughApi(stack, secrets.serviceKey, { tenant_id: 'TBENCHURGENT', message: `critical behind the backlog, run ${run}`, severity: 'critical', targets: [{ phone }] });
      const page = () => stack.twilio.messages().find((m) => m.form.To === `whatsapp:${phone}`);
      await waitUntil(() => page() !== undefined, 30_000, 5);
      const received = page();
      const seconds = received ? (received.receivedAt.getTime() - started) / 1000 : Number.POSITIVE_INFINITY;
      if (!received) problems.push(`priority: run ${run}: the critical page did not reach the fake Twilio within 30 s`);
      runs.push(seconds);
      rows.push([String(run), waiting.toLocaleString('en-US'), received ? `${(seconds * 1000).toFixed(0)} ms` : 'not within 30 s']);
      step(`priority run ${run}/${options.rounds}: ${waiting} medium pages queued; the critical page reached the fake Twilio ${received ? `after ${(seconds * 1000).toFixed(0)} ms` : 'not within 30 s'}`);
    }
    return {
      figures: { priority: runs },
      tables: [
        {
          title: `Priority (the built backend, ${PRIORITY_BACKLOG.toLocaleString('en-US')} more medium pages queued before each run while it sends the earlier ones):`,
          header: ['run', 'medium pages queued at the raise', 'critical page at the fake Twilio after'],
          rows,
        },
      ],
    };
  } finally {
    await stopServices(stack);
  }
}

async function raiseThroughApi(stack: Stack, serviceKey: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const response = await fetch(`${stack.backend.url}/alert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-service-key': serviceKey },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST /alert answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string };
}

/** Queues pages of the medium alert as the backend queues pages (its own SQL), in one transaction: a sudden backlog. */
async function queueMediumBacklog(stack: Stack, alertId: string, run: number): Promise<void> {
  const { insertDeliveriesQuery } = loadBuiltApp<BackendDeliveryRepositoryModule>('backend/dist/notify/delivery.repository.js');
  const { graphileDeliveryQueue } = loadBuiltApp<BackendDeliveryQueueModule>('backend/dist/notify/delivery-queue.js');
  const { addJobsQuery } = loadBuiltApp<BackendJobQueueModule>('backend/dist/jobs/job-queue.js');
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
  await stack.pool.query(`BEGIN; ${insertDeliveriesQuery(deliveries, new Date())}; ${addJobsQuery(jobs)}; COMMIT`);
}
