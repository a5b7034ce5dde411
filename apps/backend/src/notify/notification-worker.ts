import { EventEmitter } from 'node:events';
import { Logger as JobQueueLogger, run, type Runner, type RunnerOptions, type Task } from 'graphile-worker';
import type { NotifyConfig } from '@klaxon/config';
import { runWithContext, type Logger } from '@klaxon/logger';
import type { Database, Queryable } from '../db/database';
import type { AlertMessageWorker } from '../views/alert-channel-message';
import type { TwilioWebhookMemory } from '../twilio/twilio-webhook-memory';
import type { DeliveryQueue } from './delivery-queue';
import { DeliverySweeper, type SweepResult } from './delivery-sweeper';
import type { DeliveryService } from './delivery.service';
import type { EscalationService } from './escalation.service';
import { addJobs, deliveryJobKey, jobContextOf, jobSpec, type IntegrationTaskName, type JobPayloads, type TaskName } from '../jobs/job-queue';

/** The delivery queue on graphile-worker: one `deliver` job per delivery, keyed so a re-add replaces, never doubles. */
export const graphileDeliveryQueue: DeliveryQueue = {
  jobs: (deliveries) =>
    deliveries.map(({ deliveryId, severity, runAt }) => jobSpec('deliver', { deliveryId }, { jobKey: deliveryJobKey(deliveryId), severity, ...(runAt ? { runAt } : {}) })),
  enqueue: (t: Queryable, deliveries) => addJobs(t, graphileDeliveryQueue.jobs(deliveries)),
};

export interface NotificationWorkerOptions {
  databaseUrl: string;
  db: Database;
  logger: Logger;
  deliveries: DeliveryService;
  escalations: EscalationService;
  messages: AlertMessageWorker;
  policy: NotifyConfig;
  /** Processed Twilio webhooks: the sweeper forgets the old ones. */
  webhooks: Pick<TwilioWebhookMemory, 'forgetOld'>;
  /** Handlers of the integrations' tasks (PagerDuty), given by createBackend. */
  integrationTasks: { [T in IntegrationTaskName]: Task };
  /** Connections the job runner may hold (LISTEN + job fetches + completions). */
  poolSize?: number;
  /** Between two sweeps; default half the lease, from 0.5 to 30 s. Tests call `sweep()` themselves instead. */
  sweepIntervalMs?: number;
  /** How old a queued delivery without a job must be before the sweeper gives it one again. */
  orphanGraceMs?: number;
}

/** What a finished job reports: tests wait for it instead of sleeping ("the escalation ran, and nothing else happened"). */
export interface JobFinished {
  task: TaskName;
  payload: unknown;
  error: Error | null;
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

// Between a runner that stopped unasked and the next start; longer while starts keep failing (database still down).
const RESTART_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * Runs the notification jobs of this backend on graphile-worker in the alerts' own PostgreSQL. The tasks are
 * thin adapters over the services (delivery, escalation, channel message); several backends may run one
 * each: jobs are claimed with row locks, and deliveries are claimed again in our own table before sending.
 */
export async function startNotificationWorker(options: NotificationWorkerOptions): Promise<NotificationWorker> {
  const { db, logger, policy, deliveries, escalations, messages } = options;
  const events = new EventEmitter<{ finished: [JobFinished] }>();
  const taskList: { [T in TaskName]: Task } = {
    ...options.integrationTasks,
    deliver: (payload) => deliveries.deliver((payload as JobPayloads['deliver']).deliveryId),
    escalate: (payload) => {
      const { alertId, round } = payload as JobPayloads['escalate'];
      return escalations.escalate(alertId, round);
    },
    'slack-message': (payload) => messages.publish((payload as JobPayloads['slack-message']).alertId),
  };

  // Each job runs in the context it was created in, so its log lines carry the request id of the page.
  for (const name of Object.keys(taskList) as TaskName[]) {
    const task = taskList[name];
    taskList[name] = (payload, helpers) => runWithContext(jobContextOf(payload), () => task(payload, helpers));
  }

  const runnerOptions: RunnerOptions = {
    connectionString: options.databaseUrl,
    maxPoolSize: options.poolSize ?? policy.concurrency + 2,
    concurrency: policy.concurrency,
    // Delayed jobs (escalations, retries) start at the next poll: keep it well under the shortest delay.
    pollInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(policy.escalateAfterMs, policy.retryBaseMs) / 2))),
    noHandleSignals: true,
    // Jobs that finish in the same tick are marked complete by one statement instead of one each. A crash in
    // between runs such a job again later, which every task tolerates (a sent delivery is not claimable).
    // Only valid inside the preset: as a top-level option graphile-worker ignores it.
    preset: { worker: { completeJobBatchDelay: 0 } },
    taskList,
    logger: jobQueueLogger(logger),
  };
  const finished = (job: { task_identifier: string; payload: unknown }, error: unknown) =>
    events.emit('finished', { task: job.task_identifier as TaskName, payload: job.payload, error: error === null ? null : error instanceof Error ? error : new Error(String(error)) });

  let runner: Runner | null = null;
  let stopping: Promise<void> | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  let failedStarts = 0;
  const startRunner = async (): Promise<void> => {
    const started = await run(runnerOptions);
    started.events.on('job:success', ({ job }) => finished(job, null));
    started.events.on('job:error', ({ job, error }) => finished(job, error));
    runner = started;
    // The promise settles when the runner stops for any reason. graphile-worker stops its whole pool when it
    // cannot mark jobs complete (PostgreSQL gone for a while), so a runner that stopped unasked is replaced:
    // a database that comes back must find pages flowing again without a restart of the backend.
    const ended = (error: unknown) => {
      if (runner !== started) return;
      runner = null;
      if (stopping) return;
      logger.error('the job runner stopped: no page is sent until it runs again; starting a new one', { error });
      scheduleRestart();
    };
    started.promise.then(() => ended(null), ended);
  };
  const scheduleRestart = () => {
    const delay = RESTART_DELAYS_MS[Math.min(failedStarts, RESTART_DELAYS_MS.length - 1)]!;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      startRunner().then(
        async () => {
          failedStarts = 0;
          // Asked to stop while it was starting: it stops at once.
          if (stopping) return runner?.stop();
          logger.info('the job runner runs again');
        },
        (error: unknown) => {
          failedStarts++;
          logger.error('the job runner could not start again; trying later', { error });
          if (!stopping) scheduleRestart();
        },
      );
    }, delay);
  };
  await startRunner();

  // A delivery claimed by a backend that died keeps its `sending` status until the lease runs out, a queued
  // one whose job was lost waits for nothing, and a held one may outlive its job: sweeping puts them back on
  // track. Once at start (a restart finds its own leftovers), then often.
  const sweeper = new DeliverySweeper({ db, logger, deliveries, queue: graphileDeliveryQueue, orphanGraceMs: options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS, webhooks: options.webhooks });
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
    events,
    running: () => runner !== null,
    sweep,
    // Once: a second call (a test, then close()) waits for the first; a runner that already ended is not stopped again.
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        if (restartTimer) clearTimeout(restartTimer);
        await runner?.stop();
      })()),
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
