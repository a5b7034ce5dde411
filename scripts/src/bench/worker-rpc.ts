import { Worker, parentPort } from 'node:worker_threads';

// Load generation and stub servers run in worker threads: on a 2-core machine the server under test
// keeps the main thread's event loop to itself, and what the clients spend is not charged to it.

interface Call<T> {
  id: number;
  body: T;
}

type Reply<T> = { id: number; ok: true; body: T } | { id: number; ok: false; error: string };

/** The main thread's end: one request type in, one answer type out, matched by id. */
export class WorkerRpc<Request, Answer> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private broken: Error | null = null;

  constructor(file: string, readonly name: string) {
    this.worker = new Worker(file);
    this.worker.on('message', (reply: Reply<Answer>) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiter) return;
      if (reply.ok) waiter.resolve(reply.body);
      else waiter.reject(new Error(`${name}: ${reply.error}`));
    });
    // A worker that dies must fail the phase waiting on it, not leave the bench hanging.
    this.worker.on('error', (error) => this.fail(new Error(`${name} worker crashed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => this.fail(new Error(`${name} worker exited (code ${code})`)));
  }

  call(body: Request): Promise<Answer> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, body } satisfies Call<Request>);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** The worker's end: answers each call with `handle`, reporting a rejection as an error reply. */
export function serveRpc<Request, Answer>(handle: (request: Request) => Promise<Answer>): void {
  const port = parentPort;
  if (!port) throw new Error('this module runs in a worker thread started by the bench');
  port.on('message', (call: Call<Request>) => {
    handle(call.body).then(
      (body) => port.postMessage({ id: call.id, ok: true, body } satisfies Reply<Answer>),
      (error: unknown) =>
        port.postMessage({ id: call.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies Reply<Answer>),
    );
  });
}
