/*
 * The timings a delivery's lease must cover, in one place: the backend uses them to send and record a
 * page, and the configuration refuses a NOTIFY_LEASE that could run out while a page is still being sent
 * or recorded (the sweeper would then queue it again, and the person would get it twice).
 */

/** How long the Twilio SDK waits for an answer: Twilio's normal latency, and a hung request is retried. */
export const TWILIO_TIMEOUT_MS = 10_000;

/** How long opening a database connection may take before it counts as a connection error. */
export const DATABASE_CONNECT_TIMEOUT_MS = 3000;

/**
 * Pauses between the tries to record a page the provider accepted, while the database is briefly away
 * (failover, restart): 0.5 + 1 + 1.5 + 2 + 2.5 = 7.5 s, so six tries.
 */
export const RECORD_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 1500, 2000, 2500];

/** Worst case of recording a sent page: every try waits out a connection timeout, plus the pauses. */
export const RECORD_RETRY_BUDGET_MS =
  RECORD_RETRY_DELAYS_MS.reduce((sum, pause) => sum + pause, 0) + (RECORD_RETRY_DELAYS_MS.length + 1) * DATABASE_CONNECT_TIMEOUT_MS;

/** The shortest NOTIFY_LEASE: a claim outlives the provider's timeout and every retry of the record. */
export const MIN_NOTIFY_LEASE_MS = TWILIO_TIMEOUT_MS + RECORD_RETRY_BUDGET_MS;
