import path from 'node:path';
import { WorkerRpc } from './worker-rpc';

/** What each request of a run is; built fresh per request in the load worker. */
export type RequestRecipe =
  /**
   * A slash command signed exactly as Slack signs it (new trigger_id and timestamp every time). `{tag}` in the
   * text becomes `<tagPrefix><sequence>`, so a page can be matched to the command that raised it.
   */
  | {
      kind: 'slash';
      signingSecret: string;
      text: string;
      responseUrl: string;
      teamIds?: string[];
      tagPrefix?: string;
      /**
       * Closed loop only: a request counts once its outcome reached the response_url (a server of the load
       * worker's own, in place of `responseUrl`) and said the alert was raised; an ack that says nothing was
       * paged, or no outcome in time, is a failure. So the rate is of commands wholly handled, not of acks.
       */
      awaitOutcome?: boolean;
    }
  /**
   * POST /alert to the backend, tenants taken in turn; with `tagPrefix` the message carries `<tagPrefix><sequence>`;
   * with `service`, the alert pages that service of each tenant instead of `slackUserId` (its policy's step 1);
   * with `raisedBy`, each tenant's alerts are raised by one Slack user of it (`<raisedBy><tenant's index>`), so the
   * per-user limit counts them too.
   */
  | { kind: 'alert'; serviceKey: string; tenantIds: string[]; slackUserId: string; tagPrefix?: string; raisedBy?: string; service?: string }
  | { kind: 'health' };

export interface LoadSpec {
  /** Base URL of the server under test, e.g. http://127.0.0.1:40123 (loopback only). */
  baseUrl: string;
  path: string;
  recipe: RequestRecipe;
  /** Closed loop: this many clients, each sending its next request when the previous one is answered. */
  connections: number;
  durationMs: number;
  /**
   * Open loop instead: one request every 1/rate seconds whatever the answers, as Slack's users would send
   * them (a slow server does not slow the offer down). `connections` is then unused.
   */
  ratePerSecond?: number;
  /** Closed loop: stop after this many answered requests (the storm), even before durationMs. */
  maxRequests?: number;
}

/** One request of an open-loop run: when it left and whether it was answered with a 2xx. */
export interface SentRequest {
  sequence: number;
  /** performance.timeOrigin + performance.now() when the request was written: comparable across threads and processes. */
  sentAtMs: number;
  ok: boolean;
  /** A slash command whose ack itself said nothing was paged (the gateway refused it: overloaded). */
  refusedInAck?: boolean;
  /** A slash command whose ack itself said the alert was raised (the backend answered within SLACK_INLINE_ANSWER_MS). */
  raisedInAck?: boolean;
}

export interface LoadResult {
  /** Answered with a 2xx. */
  ok: number;
  /** Non-2xx answers, socket errors and timeouts. */
  failed: number;
  /** A few distinct failure descriptions, for the report. */
  failures: string[];
  elapsedMs: number;
  /** ok / elapsed seconds. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Open loop only: every request offered, in order. */
  sent?: SentRequest[];
}

/** Milliseconds since the epoch with sub-millisecond resolution, the same clock in every thread. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The tag a request carries (see RequestRecipe), also what the bench looks for in the page. */
export function requestTag(prefix: string, sequence: number): string {
  return `${prefix}${sequence}`;
}

/** Main-thread handle on the load-generating worker (scripts/dist/bench/load-worker.js). */
export class LoadGenerator {
  private readonly rpc = new WorkerRpc<LoadSpec, LoadResult>(path.join(__dirname, 'load-worker.js'), 'load generator');

  run(spec: LoadSpec): Promise<LoadResult> {
    return this.rpc.call(spec);
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
