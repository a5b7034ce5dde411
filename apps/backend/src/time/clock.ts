/**
 * "Now", injected: the engine (policy, quiet hours, escalation, retries) asks a Clock instead of `new Date()`,
 * so tests move time instead of waiting for it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A pause, injected like the clock: engine code that must wait (a record retried while the database is away,
 * a webhook copy waiting for the first) waits through this, so a test can make the pause move its clock
 * instead of taking real time.
 */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
