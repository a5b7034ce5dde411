import path from 'node:path';
import { WorkerRpc } from './worker-rpc';

/** What each request of a run is; built fresh per request in the load worker. */
export type RequestRecipe =
  /** A slash command signed exactly as Slack signs it (new trigger_id and timestamp every time). */
  | { kind: 'slash'; signingSecret: string; text: string; responseUrl: string }
  /** POST /alert to the backend, tenants taken in turn. */
  | { kind: 'alert'; serviceKey: string; tenantIds: string[]; slackUserId: string }
  | { kind: 'health' };

export interface LoadSpec {
  /** Base URL of the server under test, e.g. http://127.0.0.1:40123 (loopback only). */
  baseUrl: string;
  path: string;
  recipe: RequestRecipe;
  /** Closed loop: this many clients, each sending its next request when the previous one is answered. */
  connections: number;
  durationMs: number;
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
