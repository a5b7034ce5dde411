import { ForwardLimiter } from './forward-limiter';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

describe('ForwardLimiter', () => {
  it('admits in-flight plus queued, refuses the next, and admits again once one finishes', async () => {
    const limiter = new ForwardLimiter({ maxInFlight: 1, maxQueued: 1 });
    const first = limiter.admit()!;
    const second = limiter.admit()!;
    expect(limiter.admit()).toBeNull();
    const g = gate();
    const started: string[] = [];
    const a = first(async () => {
      started.push('a');
      await g.opened;
    });
    const b = second(async () => {
      started.push('b');
    });
    await Promise.resolve();
    expect(started).toEqual(['a']);
    expect(limiter.load()).toMatchObject({ running: 1, queued: 1 });
    g.open();
    await Promise.all([a, b]);
    expect(started).toEqual(['a', 'b']);
    expect(limiter.load()).toEqual({ running: 0, queued: 0, peakRunning: 1, peakQueued: 1 });
    expect(limiter.admit()).not.toBeNull();
  });

  it('hands a finished slot to the waiter, so a command admitted at that moment cannot exceed the limit', async () => {
    const limiter = new ForwardLimiter({ maxInFlight: 1, maxQueued: 2 });
    const g = gate();
    let running = 0;
    let most = 0;
    const work = async () => {
      running++;
      most = Math.max(most, running);
      await g.opened;
      running--;
    };
    const first = limiter.admit()!(work);
    const waiter = limiter.admit()!(work);
    let late: Promise<void> | undefined;
    // Admitted and started in the same turn the first one finishes.
    void first.then(() => (late = limiter.admit()!(work)));
    g.open();
    await Promise.all([first, waiter]);
    await late;
    expect(most).toBe(1);
    await expect(limiter.admit()!(async () => 'done')).resolves.toBe('done');
  });

  it('gives the slot back when the work fails', async () => {
    const limiter = new ForwardLimiter({ maxInFlight: 1, maxQueued: 0 });
    await expect(limiter.admit()!(() => Promise.reject(new Error('backend gone')))).rejects.toThrow('backend gone');
    expect(limiter.load()).toMatchObject({ running: 0, queued: 0 });
    expect(limiter.admit()).not.toBeNull();
  });
});
