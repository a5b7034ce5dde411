import type { Severity } from '@klaxon/contracts';
import type { Queryable } from '../db/database';
import { addJobs, deliveryJobKey, jobSpec, type JobSpec } from '../jobs/job-queue';

/** A delivery to attempt: now, or at `runAt`; its alert's severity decides what goes first. */
export interface QueuedDelivery {
  deliveryId: string;
  severity: Severity;
  runAt?: Date | null;
}

/**
 * How the delivery service asks for deliveries to be attempted, inside the caller's transaction (`enqueue`)
 * or as jobs of a larger batch (`jobs`: an alert's raise adds all its jobs at once). The job runner adapter
 * implements it; the service knows nothing of graphile-worker.
 */
export interface DeliveryQueue {
  jobs(deliveries: readonly QueuedDelivery[]): JobSpec[];
  enqueue(t: Queryable, deliveries: readonly QueuedDelivery[]): Promise<void>;
}

/** The delivery queue on graphile-worker: one `deliver` job per delivery, keyed so a re-add replaces, never doubles. */
export const graphileDeliveryQueue: DeliveryQueue = {
  jobs: (deliveries) =>
    deliveries.map(({ deliveryId, severity, runAt }) => jobSpec('deliver', { deliveryId }, { jobKey: deliveryJobKey(deliveryId), severity, ...(runAt ? { runAt } : {}) })),
  enqueue: (t: Queryable, deliveries) => addJobs(t, graphileDeliveryQueue.jobs(deliveries)),
};
