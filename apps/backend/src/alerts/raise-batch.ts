import type { JobSpec } from '../jobs/job-queue';
import type { NewAlertEvent } from './alert-event.repository';

/**
 * What the hooks add to a raise (of one alert, or of a chunk of a storm), gathered before anything is
 * written, then written by the same single statement as the alerts (alert.repository `insertRaises`), or
 * not at all. A hook contributes here instead of issuing its own SQL: the raise costs one round trip however
 * many hooks follow it.
 */
export class RaiseBatch {
  private readonly reads = new Map<string, Promise<unknown>>();

  /**
   * A read the hooks of every alert in the batch share (a tenant's settings), made once per batch under
   * `key`: a chunk of a hundred alerts costs one such read, not a hundred.
   */
  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.reads.has(key)) this.reads.set(key, load());
    return this.reads.get(key) as Promise<T>;
  }

  /** Data-modifying statements as formatted SQL (from the repositories that own the tables). */
  readonly writes: string[] = [];
  /** Audit events after the alert's `created` one, in this order. */
  readonly events: NewAlertEvent[] = [];
  /** Every job of the raise, added by one `graphile_worker.add_jobs` call. */
  readonly jobs: JobSpec[] = [];
  /** Runs once the raise is stored (counters that must not count a raise that collided with a twin). */
  readonly onStored: Array<() => void> = [];
}
