import type { Queryable } from '../db/database';

/**
 * How the delivery service asks for a delivery to be attempted (now, or at `runAt`), inside the caller's
 * transaction. The job runner adapter implements it; the service knows nothing of graphile-worker.
 */
export interface DeliveryQueue {
  enqueue(t: Queryable, deliveryId: string, runAt?: Date): Promise<void>;
}
