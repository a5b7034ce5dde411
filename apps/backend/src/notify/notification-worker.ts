import { Logger as JobQueueLogger, run, type Runner, type Task } from 'graphile-worker';
import type { NotifyConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { Database } from '../db/database';
import { AlertMessageWorker } from '../slack/alert-message-worker';
import { requeueExpiredLeases } from './delivery.repository';
import { DeliveryWorker, type RecipientLimit } from './delivery-worker';
import { EscalationWorker } from './escalation-worker';
import { addJob, deliveryJobKey, type JobPayloads, type TaskName } from './job-queue';
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
}

export interface NotificationWorker {
  /** Finishes running jobs, then stops taking new ones. */
  stop(): Promise<void>;
}

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

  // A delivery claimed by a backend that died keeps its `sending` status until the lease runs out; sweeping
  // puts it back in the queue with a fresh job. Once at start (a restart finds its own leftovers), then often.
  const sweep = async () => {
    try {
      const requeued = await db.tx('requeue-expired-deliveries', async (t) => {
        const ids = await requeueExpiredLeases(t);
        for (const id of ids) await addJob(t, 'deliver', { deliveryId: id }, { jobKey: deliveryJobKey(id) });
        return ids;
      });
      if (requeued.length > 0) logger.warn('deliveries whose backend died were queued again', { count: requeued.length, deliveryIds: requeued });
    } catch (error) {
      logger.error('sweeping expired deliveries failed', { error });
    }
  };
  await sweep();
  const sweeper = setInterval(() => void sweep(), Math.max(500, Math.min(30_000, Math.floor(policy.leaseMs / 2))));
  sweeper.unref();

  logger.info('notification worker started', { concurrency: policy.concurrency, notifier: options.notifier.name });
  return {
    stop: async () => {
      clearInterval(sweeper);
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
