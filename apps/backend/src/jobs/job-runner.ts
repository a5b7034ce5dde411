import { EventEmitter } from 'node:events';
import { Logger as JobQueueLogger, run, type Runner, type RunnerOptions, type Task } from 'graphile-worker';
import { runWithContext, type Logger } from '@klaxon/logger';
import { jobContextOf, type TaskName } from './job-queue';

/** What a finished job reports: tests wait for it instead of sleeping ("the escalation ran, and nothing else happened"). */
export interface JobFinished {
  task: TaskName;
  payload: unknown;
  error: Error | null;
}

/** A handler for every task the backend queues; backend.ts composes it from the services. */
export type TaskList = { [T in TaskName]: Task };

export interface JobRunnerOptions {
  databaseUrl: string;
  logger: Logger;
  tasks: TaskList;
  concurrency: number;
  /** Delayed jobs (escalations, retries) start at the next poll. */
  pollIntervalMs: number;
  /** Connections the runner may hold (LISTEN + job fetches + completions). */
  poolSize: number;
}

export interface JobRunner {
  /** Emits `finished` with a JobFinished after every job. */
  readonly events: EventEmitter<{ finished: [JobFinished] }>;
  /** False while no runner runs: stopped when asked, or between one that stopped unasked and its replacement. */
  running(): boolean;
  /** Finishes running jobs, then stops taking new ones; once, however often it is called. */
  stop(): Promise<void>;
}

// Between a runner that stopped unasked and the next start; longer while starts keep failing (database still down).
const RESTART_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * Runs the backend's jobs on graphile-worker in the alerts' own PostgreSQL. Several backends may run one each:
 * jobs are claimed with row locks. Each job runs in the context it was created in, so its log lines carry the
 * request id of the page that caused it. A runner that stops unasked is replaced (see below).
 */
export async function startJobRunner(options: JobRunnerOptions): Promise<JobRunner> {
  const { logger } = options;
  const events = new EventEmitter<{ finished: [JobFinished] }>();
  const taskList = Object.fromEntries(
    Object.entries(options.tasks).map(([name, task]): [string, Task] => [name, (payload, helpers) => runWithContext(jobContextOf(payload), () => task(payload, helpers))]),
  );

  const runnerOptions: RunnerOptions = {
    connectionString: options.databaseUrl,
    maxPoolSize: options.poolSize,
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs,
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

  return {
    events,
    running: () => runner !== null,
    // Once: a second call (a test, then close()) waits for the first; a runner that already ended is not stopped again.
    stop: () =>
      (stopping ??= (async () => {
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
