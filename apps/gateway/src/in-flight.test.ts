import { InFlight } from './in-flight';

const deferred = () => {
  let settle!: (ok: boolean) => void;
  const promise = new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('failed')))));
  return { promise, settle };
};

describe('InFlight', () => {
  it('drains at once when nothing runs', async () => {
    expect(await new InFlight().drain(1000)).toBe(true);
  });

  it('waits for every registered piece of work, failed ones and ones registered while draining included', async () => {
    const inFlight = new InFlight();
    const first = deferred();
    const second = deferred();
    const late = deferred();
    inFlight.track(first.promise).catch(() => undefined);
    void inFlight.track(second.promise);
    let done = false;
    const drained = inFlight.drain(60_000).then((result) => ((done = true), result));
    first.settle(false);
    void inFlight.track(late.promise);
    second.settle(true);
    // Every promise settled so far has run its callbacks by the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    late.settle(true);
    expect(await drained).toBe(true);
    expect(inFlight.size).toBe(0);
  });

  it('gives up after the bound and says so', async () => {
    const inFlight = new InFlight();
    const stuck = deferred();
    void inFlight.track(stuck.promise);
    expect(await inFlight.drain(20)).toBe(false);
    expect(inFlight.size).toBe(1);
    stuck.settle(true);
  });
});
