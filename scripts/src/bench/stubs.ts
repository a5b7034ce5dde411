import path from 'node:path';
import { WorkerRpc } from './worker-rpc';

/** Where the stubs listen and what they have seen so far (cumulative since start). */
export interface StubCounts {
  /** Stands in for the Klaxon backend: answers every POST /alert with 201 at once. */
  backendUrl: string;
  forwards: number;
}

/** Main-thread handle on the stub backend's worker (scripts/dist/bench/stubs-worker.js). */
export class Stubs {
  private readonly rpc = new WorkerRpc<'counts', StubCounts>(path.join(__dirname, 'stubs-worker.js'), 'stub servers');

  /** The first call also waits until the stub listens. */
  counts(): Promise<StubCounts> {
    return this.rpc.call('counts');
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
