import path from 'node:path';
import { WorkerRpc } from './worker-rpc';

/** Where the stubs listen and what they have seen so far (cumulative since start). */
export interface StubCounts {
  /** Stands in for the Klaxon backend: answers every POST /alert with 201 at once. */
  backendUrl: string;
  /** Base of the response_url the gateway posts the outcome of each command to. */
  responseUrl: string;
  forwards: number;
  /** response_url posts announcing a raised alert. */
  raised: number;
  /** response_url posts saying nothing was paged (the forward failed). */
  notPaged: number;
}

/** Main-thread handle on the stub servers' worker (scripts/dist/bench/stubs-worker.js). */
export class Stubs {
  private readonly rpc = new WorkerRpc<'counts', StubCounts>(path.join(__dirname, 'stubs-worker.js'), 'stub servers');

  /** The first call also waits until both stubs listen. */
  counts(): Promise<StubCounts> {
    return this.rpc.call('counts');
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
