import type { JobSpec } from '../notify/job-queue';
import type { NewAlertEvent } from './alert-event.repository';

/**
 * What the hooks add to an alert's raise, gathered before anything is written, then written by the same
 * single statement as the alert (alert.repository `insertRaise`), or not at all. A hook contributes here
 * instead of issuing its own SQL: the raise costs one round trip however many hooks follow it.
 */
export class RaiseBatch {
  /** Data-modifying statements as formatted SQL (from the repositories that own the tables). */
  readonly writes: string[] = [];
  /** Audit events after the alert's `created` one, in this order. */
  readonly events: NewAlertEvent[] = [];
  /** Every job of the raise, added by one `graphile_worker.add_jobs` call. */
  readonly jobs: JobSpec[] = [];
  /** Runs once the raise is stored (counters that must not count a raise that collided with a twin). */
  readonly onStored: Array<() => void> = [];
}
