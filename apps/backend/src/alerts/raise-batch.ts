import type { ConditionalJobs, JobSpec } from '../jobs/job-queue';
import type { NewAlertEvent } from './alert-event.repository';

/**
 * What the hooks add to a raise (of one alert, or of a chunk of a storm), gathered before anything is
 * written, then written by the same single statement as the alerts (alert.repository `insertRaises`), or
 * not at all. A hook contributes here instead of issuing its own SQL: the raise costs one round trip however
 * many hooks follow it.
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

  private readonly conditional = new Map<string, ConditionalStep>();

  /**
   * A write, and jobs, that hold only where `condition` (formatted SQL) holds when the statement runs: a
   * setting (a tenant's PagerDuty key) read by the statement itself rather than by a query before it, so a
   * raise costs one round trip however many hooks follow it. The alerts of a storm's chunk that share `key`
   * (and so its condition) share one step: `write` renders it once, for all of their ids.
   */
  when(key: string, condition: string, write: (alertIds: readonly string[]) => string): { alertIds: string[]; jobs: JobSpec[] } {
    let step = this.conditional.get(key);
    if (!step) {
      step = { condition, write, alertIds: [], jobs: [] };
      this.conditional.set(key, step);
    }
    return step;
  }

  /** The conditional steps' writes, one each. */
  conditionalWrites(): string[] {
    return [...this.conditional.values()].map((step) => step.write(step.alertIds));
  }

  /** The conditional steps' jobs, each group under its condition. */
  conditionalJobs(): ConditionalJobs[] {
    return [...this.conditional.values()].filter((step) => step.jobs.length > 0).map((step) => ({ specs: step.jobs, condition: step.condition }));
  }
}

interface ConditionalStep {
  condition: string;
  write: (alertIds: readonly string[]) => string;
  alertIds: string[];
  jobs: JobSpec[];
}
