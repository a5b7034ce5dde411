import type { ConditionalJob, JobSpec } from '../jobs/job-queue';
import type { NewAlertEvent } from './alert-event.repository';

/**
 * What the hooks add to a raise (of one alert, or of a chunk of a storm), gathered before anything is
 * written, then written by the same single statement as the alerts (alert.repository `insertRaises`), or
 * not at all. A hook contributes here instead of issuing its own SQL: the raise costs one round trip however
 * many hooks follow it.
 */
export class RaiseBatch {
  /**
   * Data-modifying statements as formatted SQL (from the repositories that own the tables). A write that
   * depends on a setting (a tenant's PagerDuty key) carries it as a condition the statement evaluates, rather
   * than a read before the raise: one round trip however many hooks, and the setting as of the write.
   */
  readonly writes: string[] = [];
  /** Audit events after the alert's `created` one, in this order. */
  readonly events: NewAlertEvent[] = [];
  /** Every job of the raise, added by one `graphile_worker.add_jobs` call. */
  readonly jobs: JobSpec[] = [];
  /** Jobs added by that same call only where their condition (formatted SQL, as a write's) holds. */
  readonly jobsIf: ConditionalJob[] = [];
  /** Runs once the raise is stored (counters that must not count a raise that collided with a twin). */
  readonly onStored: Array<() => void> = [];
}
