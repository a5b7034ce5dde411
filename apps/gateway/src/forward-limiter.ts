import { GATEWAY_FORWARD_DEFAULTS } from '@klaxon/config';

/** How much backend work the gateway takes on at once (GATEWAY_MAX_IN_FLIGHT, GATEWAY_MAX_QUEUE). */
export interface ForwardLimits {
  /** Forwards to the backend running at once. */
  maxInFlight: number;
  /** Acknowledged commands waiting for a running slot. Beyond it, commands are refused at the ack. */
  maxQueued: number;
}

export const DEFAULT_FORWARD_LIMITS: ForwardLimits = GATEWAY_FORWARD_DEFAULTS;

/** Runs `work` once a running slot is free; the slot was reserved by `admit`, so it never waits unbounded. */
export type Admitted = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Bounds the gateway's work under overload: at most `maxInFlight` forwards run, at most `maxQueued` wait,
 * and a command beyond both is refused synchronously, before its ack, so its author is told at once that
 * nothing was done instead of waiting for a timeout. Memory stays bounded by the two limits.
 */
export class ForwardLimiter {
  private admitted = 0;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private peakRunning = 0;
  private peakQueued = 0;

  constructor(private readonly limits: ForwardLimits = DEFAULT_FORWARD_LIMITS) {}

  /** A slot (now or queued), or null when the gateway is full. Each admission must be run exactly once. */
  admit(): Admitted | null {
    if (this.admitted >= this.limits.maxInFlight + this.limits.maxQueued) return null;
    this.admitted++;
    let used = false;
    return async <T>(work: () => Promise<T>): Promise<T> => {
      if (used) throw new Error('an admission runs once');
      used = true;
      // A finished forward hands its slot straight to the next waiter (running stays counted), so a
      // command admitted meanwhile cannot slip in between and exceed the limit.
      if (this.running < this.limits.maxInFlight) this.running++;
      else {
        const turn = new Promise<void>((resolve) => this.waiting.push(resolve));
        this.peakQueued = Math.max(this.peakQueued, this.waiting.length);
        await turn;
      }
      this.peakRunning = Math.max(this.peakRunning, this.running);
      try {
        return await work();
      } finally {
        this.admitted--;
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    };
  }

  /** What runs and waits now, and the most of each seen. */
  load(): { running: number; queued: number; peakRunning: number; peakQueued: number } {
    return { running: this.running, queued: this.admitted - this.running, peakRunning: this.peakRunning, peakQueued: this.peakQueued };
  }
}
