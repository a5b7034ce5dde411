/**
 * The work the gateway has acknowledged to Slack but not finished: a forward to the backend and the
 * message that tells its author how it went. Listeners register it here; on SIGTERM the gateway waits for
 * it (bounded) instead of cutting it off, so an acknowledged command is never silently dropped.
 */
export class InFlight {
  private readonly running = new Set<Promise<void>>();

  /** Registers `work` and hands it back unchanged: its outcome stays the caller's, this only waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return work;
  }

  get size(): number {
    return this.running.size;
  }

  /** True once nothing runs (work registered meanwhile included); false if `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const empty = (async () => {
      while (this.running.size > 0) await Promise.all(this.running);
      return true as const;
    })();
    try {
      return await Promise.race([empty, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
