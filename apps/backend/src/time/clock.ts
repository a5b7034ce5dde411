/**
 * "Now", injected: the engine (policy, quiet hours, escalation, retries) asks a Clock instead of `new Date()`,
 * so tests move time instead of waiting for it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
