import { Logger as JobQueueLogger, run, type Runner, type Task } from 'graphile-worker';
import type { NotifyConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { Database } from '../db/database';
import { AlertMessageWorker } from '../slack/alert-message-worker';
import { DeliverySweeper, type SweepResult } from './delivery-sweeper';
import { DeliveryWorker, type RecipientLimit } from './delivery-worker';
import { EscalationWorker } from './escalation-worker';
import type { JobPayloads, TaskName } from './job-queue';
import type { ChannelPoster, PhoneNotifier } from './providers/notifier';

export interface NotificationWorkerOptions {
  databaseUrl: string;
  db: Database;
  logger: Logger;
  notifier: PhoneNotifier;
  poster: ChannelPoster;
  policy: NotifyConfig;
  /** PAGE_LIMIT_PER_RECIPIENT over PAGE_LIMIT_WINDOW; unset, pages to one number are not limited. */
  recipientLimit?: RecipientLimit;
  /** Connections the job runner may hold (LISTEN + job fetches + completions). */
  poolSize?: number;
  /** Test-only pause between claiming a delivery and sending it (see DeliveryWorkerOptions.afterClaim). */
  afterClaim?: () => Promise<void>;
  /** Between two sweeps; default half the lease, from 0.5 to 30 s. Tests call `sweep()` themselves instead. */
  sweepIntervalMs?: number;
  /** How old a queued delivery without a job must be before the sweeper gives it one again. */
  orphanGraceMs?: number;
}

export interface NotificationWorker {
  /** One sweep now (it also runs at start and every sweepIntervalMs). */
  sweep(): Promise<SweepResult>;
  /** Finishes running jobs, then stops taking new ones. */
  stop(): Promise<void>;
}

// Far longer than a job takes to become visible after its delivery (same transaction), so only a job that
// is really gone is replaced.
export const DEFAULT_ORPHAN_GRACE_MS = 60_000;

/**
 * Runs the notification jobs of this backend on graphile-worker in the alerts' own PostgreSQL: deliveries,
 * escalation rounds and channel messages. Several backends may run one each; jobs are claimed with row
 * locks, and deliveries are claimed again in our own table before anything is sent.
 */
export async function startNotificationWorker(options: NotificationWorkerOptions): Promise<NotificationWorker> {
  const { db, logger, policy } = options;
  const deliveries = new DeliveryWorker({ db, notifier: options.notifier, poster: options.poster, logger, maxAttempts: policy.maxAttempts, retryBaseMs: policy.retryBaseMs, leaseMs: policy.leaseMs, recipientLimit: options.recipientLimit, ...(options.afterClaim ? { afterClaim: options.afterClaim } : {}) });
  const escalations = new EscalationWorker({ db, logger, escalateAfterMs: policy.escalateAfterMs, escalationRounds: policy.escalationRounds });
  const messages = new AlertMessageWorker({ db, poster: options.poster, logger });

  const taskList: { [T in TaskName]: Task } = {
    deliver: async (payload) => deliveries.deliver((payload as JobPayloads['deliver']).deliveryId),
    escalate: async (payload) => {
      const { alertId, round } = payload as JobPayloads['escalate'];
      await escalations.escalate(alertId, round);
    },
    'slack-message': async (payload) => messages.publish((payload as JobPayloads['slack-message']).alertId),
  };

  const runner: Runner = await run({
    connectionString: options.databaseUrl,
    maxPoolSize: options.poolSize ?? options.policy.concurrency + 2,
    concurrency: policy.concurrency,
    // Delayed jobs (escalations, retries) start at the next poll: keep it well under the shortest delay.
    pollInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(policy.escalateAfterMs, policy.retryBaseMs) / 2))),
    noHandleSignals: true,
    taskList,
    logger: jobQueueLogger(logger),
  });

  // A delivery claimed by a backend that died keeps its `sending` status until the lease runs out, and a
  // queued one whose job was lost waits for nothing: sweeping puts both back on track. Once at start (a
  // restart finds its own leftovers), then often.
  const sweeper = new DeliverySweeper({ db, logger, deliveries, orphanGraceMs: options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS });
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

  logger.info('notification worker started', { concurrency: policy.concurrency, notifier: options.notifier.name });
  return {
    sweep,
    stop: async () => {
      clearInterval(timer);
      await runner.stop();
    },
  };
}

// graphile-worker logs through our logger: its debug chatter at debug, its warnings and errors as such.
function jobQueueLogger(logger: Logger): JobQueueLogger {
  return new JobQueueLogger((scope) => (level, message, meta) => {
    const fields = { component: 'job-queue', task: scope.taskIdentifier, jobId: scope.jobId, ...(meta ?? {}) };
    if (level === 'error') logger.error(message, fields);
    else if (level === 'warning') logger.warn(message, fields);
    else logger.debug(message, fields);
  });
}
