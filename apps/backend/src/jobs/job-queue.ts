import type { Severity } from '@klaxon/contracts';
import { currentContext, type RequestContext } from '@klaxon/logger';
import { sql, type Queryable } from '../db/database';

/** The tasks the notification worker runs; payloads are small and JSON. */
export interface JobPayloads {
  deliver: { deliveryId: string };
  escalate: { alertId: string; round: number };
  'slack-message': { alertId: string };
  /** Sends the alert's queued PagerDuty events (integrations/pagerduty). */
  'pagerduty-event': { alertId: string };
  /** Tells a person their shift starts now, or tomorrow (oncall/handoff-notices). `start` is ISO. */
  'handoff-notice': { scheduleId: string; person: string; start: string; kind: 'start' | 'day_before' };
}
export type TaskName = keyof JobPayloads;

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
// Work that tells the alert's Slack channel rather than a person.
const FOLLOWS_THE_PAGES: ReadonlySet<TaskName> = new Set(['slack-message']);

/**
 * The priority of a job of an alert (graphile-worker: lower runs first, then the earlier `run_at`). Severity
 * first, so a backlog of medium pages never holds up a critical one: critical 0–1, high 2–3, medium 4–5, low
 * 6–7. Within a severity, what reaches people (pages, escalation, PagerDuty) before the channel message, so
 * under load a page does not queue behind the Slack posts of the alerts raised before it. Every job of an
 * alert takes it, first page or later.
 */
export const jobPriorityOf = (severity: Severity | null, task: TaskName): number =>
  severity === null ? NO_ALERT_PRIORITY : SEVERITY_RANK[severity] * 2 + (FOLLOWS_THE_PAGES.has(task) ? 1 : 0);

/** Work for no alert (a hand-off notice) waits behind every page: it is never urgent to the minute. */
const NO_ALERT_PRIORITY = 8;

export interface JobOptions {
  runAt?: Date;
  jobKey?: string;
  maxAttempts?: number;
  queueName?: string;
  /** The severity of the alert the job is for: its priority. Null for a job of no alert, which goes after them. */
  severity: Severity | null;
}

/** One job to add, with the context it is created in already captured. */
export interface JobSpec {
  task: TaskName;
  payload: JobPayloads[TaskName] & WithJobContext;
  options: JobOptions;
}

/**
 * Every job carries the context it was created in (the request id of the page that caused it, its alert and
 * tenant), and runs in it again: the log lines of a job can be found by the request that made it.
 */
interface WithJobContext {
  context?: RequestContext;
}

/** The context a job runs in: the one it was created in, and its alert when the payload names one. */
export function jobContextOf(payload: unknown): RequestContext {
  const { context, alertId } = (payload ?? {}) as WithJobContext & { alertId?: unknown };
  return { ...context, ...(typeof alertId === 'string' ? { alertId } : {}) };
}

function currentJobContext(): WithJobContext {
  const { requestId, tenantId, alertId } = currentContext() ?? {};
  const context = Object.fromEntries(Object.entries({ requestId, tenantId, alertId }).filter(([, value]) => value !== undefined));
  return Object.keys(context).length > 0 ? { context } : {};
}

/** A job to add later (in a batch), carrying the context it is created in now. */
export function jobSpec<T extends TaskName>(task: T, payload: JobPayloads[T], options: JobOptions): JobSpec {
  return { task, payload: { ...payload, ...currentJobContext() }, options };
}

/** Jobs to add only where `condition` (formatted SQL) holds, evaluated by the statement that adds them. */
export interface ConditionalJobs {
  specs: readonly JobSpec[];
  condition: string;
}

/**
 * One `graphile_worker.add_jobs` call for all the specs (and the conditional ones whose condition holds), as
 * a formatted SQL query returning how many jobs it added or replaced; callers run it alone or embed it in a
 * larger statement. `add_jobs` keys behave as
 * `add_job`'s default (`replace`: a waiting job with the key takes the new payload, run_at and priority; a
 * running one loses its key and a new job is added). The specs' keys must differ from each other: one
 * INSERT … ON CONFLICT cannot touch a row twice.
 */
export function addJobsQuery(specs: readonly JobSpec[], conditional: readonly ConditionalJobs[] = []): string {
  const chosen = conditional.map(({ specs: when, condition }) =>
    sql.format(' UNION ALL SELECT spec FROM json_populate_recordset(NULL::graphile_worker.job_spec, $1::json) AS spec WHERE $2:raw', [JSON.stringify(when.map(jobRowOf)), condition]),
  );
  return sql.format(
    `SELECT count(*)::int AS jobs FROM graphile_worker.add_jobs(
       ARRAY(SELECT spec FROM json_populate_recordset(NULL::graphile_worker.job_spec, $1::json) AS spec$2:raw))`,
    [JSON.stringify(specs.map(jobRowOf)), chosen.join('')],
  );
}

/** A job as graphile-worker's `job_spec` row. */
function jobRowOf({ task, payload, options }: JobSpec) {
  return {
    identifier: task,
    payload,
    queue_name: options.queueName ?? null,
    run_at: options.runAt?.toISOString() ?? null,
    max_attempts: options.maxAttempts ?? 5,
    job_key: options.jobKey ?? null,
    priority: jobPriorityOf(options.severity, task),
  };
}

/**
 * Queues graphile-worker jobs inside the caller's transaction, so they exist only if it commits (an alert and
 * its jobs appear together or not at all). One round trip however many.
 */
export async function addJobs(t: Queryable, specs: readonly JobSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await t.one(addJobsQuery(specs));
}

export async function addJob<T extends TaskName>(t: Queryable, task: T, payload: JobPayloads[T], options: JobOptions): Promise<void> {
  await addJobs(t, [jobSpec(task, payload, options)]);
}

/** Cancels waiting or delayed jobs by key (a running one finishes; tasks re-check state themselves), in one statement. */
export async function removeJobs(t: Queryable, jobKeys: readonly string[]): Promise<void> {
  if (jobKeys.length === 0) return;
  // In FROM, once per key: selecting `(remove_job(..)).*` would call the function once per column.
  await t.any('SELECT r.* FROM unnest($1::text[]) AS k(key), LATERAL graphile_worker.remove_job(k.key) AS r', [jobKeys]);
}

export const escalationJobKey = (alertId: string): string => `escalate:${alertId}`;
export const deliveryJobKey = (deliveryId: string): string => `deliver:${deliveryId}`;
/** One job per notice: planning it again replaces the waiting one instead of adding a second. */
export const handoffNoticeJobKey = ({ scheduleId, person, start, kind }: JobPayloads['handoff-notice']): string => `handoff:${scheduleId}:${person}:${start}:${kind}`;
