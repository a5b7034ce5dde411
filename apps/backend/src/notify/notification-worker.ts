import type { EventEmitter } from 'node:events';
import type { NotifyConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import { startJobRunner, type JobFinished, type TaskList } from '../jobs/job-runner';
import type { TwilioWebhookMemory } from '../twilio/twilio-webhook-memory';
import { graphileDeliveryQueue } from './delivery-queue';
import { DeliverySweeper, type SweepResult } from './delivery-sweeper';
import type { DeliveryHolds } from './delivery-holds';
import type { DeliverySender } from './delivery-sender';

export interface NotificationWorkerOptions {
  databaseUrl: string;
  db: Database;
  logger: Logger;
  clock: Clock;
  sender: DeliverySender;
  holds: DeliveryHolds;
  policy: NotifyConfig;
  /** A handler for every task (deliveries, escalations, channel messages, integrations), composed by createBackend. */
  tasks: TaskList;
  /** Processed Twilio webhooks: the sweeper forgets the old ones. */
  webhooks: Pick<TwilioWebhookMemory, 'forgetOld'>;
  /** Connections the job runner may hold (LISTEN + job fetches + completions). */
  poolSize?: number;
  /** Between two sweeps; default half the lease, from 0.5 to 30 s. Tests call `sweep()` themselves instead. */
  sweepIntervalMs?: number;
  /** How old a queued delivery without a job must be before the sweeper gives it one again. */
  orphanGraceMs?: number;
}

export interface NotificationWorker {
  /** Emits `finished` with a JobFinished after every job. */
  readonly events: EventEmitter<{ finished: [JobFinished] }>;
  /** False while no job runner runs: stopped when asked, or between one that stopped unasked and its replacement (/health reports it). */
  running(): boolean;
  /** One sweep now (it also runs at start and every sweepIntervalMs). */
  sweep(): Promise<SweepResult>;
  /** Finishes running jobs, then stops taking new ones. */
  stop(): Promise<void>;
}

// Far longer than a job takes to become visible after its delivery (same transaction), so only a job that
// is really gone is replaced.
export const DEFAULT_ORPHAN_GRACE_MS = 60_000;

/**
 * This backend's share of the notification work: the job runner with the tasks it is given, and the sweeper
 * that puts deliveries left behind by a dead backend back on track.
 */
export async function startNotificationWorker(options: NotificationWorkerOptions): Promise<NotificationWorker> {
  const { db, logger, clock, policy, sender, holds } = options;
  const runner = await startJobRunner({
    databaseUrl: options.databaseUrl,
    logger,
    tasks: options.tasks,
    concurrency: policy.concurrency,
    poolSize: options.poolSize ?? policy.concurrency + 2,
    // Delayed jobs (escalations, retries) start at the next poll: keep it well under the shortest delay.
    pollIntervalMs: Math.max(100, Math.min(1000, Math.floor(Math.min(policy.escalateAfterMs, policy.retryBaseMs) / 2))),
  });

  // A delivery claimed by a backend that died keeps its `sending` status until the lease runs out, a queued
  // one whose job was lost waits for nothing, and a held one may outlive its job: sweeping puts them back on
  // track. Once at start (a restart finds its own leftovers), then often.
  const sweeper = new DeliverySweeper({ db, logger, clock, sender, holds, queue: graphileDeliveryQueue, orphanGraceMs: options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS, webhooks: options.webhooks });
  const sweep = (): Promise<SweepResult> => sweeper.sweep();
  const sweepQuietly = async () => {
    try {
      await sweep();
    } catch (error) {
      logger.error('sweeping deliveries failed', { error });
    }
  };
  await sweepQuietly();
  const timer = setInterval(() => void sweepQuietly(), options.sweepIntervalMs ?? Math.max(500, Math.min(30_000, Math.floor(policy.leaseMs / 2))));
  timer.unref();

  logger.info('notification worker started', { concurrency: policy.concurrency });
  return {
    events: runner.events,
    running: () => runner.running(),
    sweep,
    stop: () => {
      clearInterval(timer);
      return runner.stop();
    },
  };
}
