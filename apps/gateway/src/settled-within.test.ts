import { settledWithin } from './settled-within';

describe('settledWithin', () => {
  it('gives the value of work that fulfils in time', async () => {
    await expect(settledWithin(Promise.resolve('🚨 #42'), 1000)).resolves.toEqual({ value: '🚨 #42' });
  });

  it('gives null for work still running at the deadline, and leaves it running', async () => {
    let finish: (text: string) => void = () => undefined;
    const work = new Promise<string>((resolve) => (finish = resolve));
    await expect(settledWithin(work, 5)).resolves.toBeNull();
    finish('later');
    await expect(work).resolves.toBe('later');
  });

  it('gives null for failed work, whose failure stays with the caller', async () => {
    const work = Promise.reject(new Error('boom'));
    await expect(settledWithin(work, 1000)).resolves.toBeNull();
    await expect(work).rejects.toThrow('boom');
  });

  it('does not wait at all for a deadline of 0', async () => {
    await expect(settledWithin(Promise.resolve('ready'), 0)).resolves.toBeNull();
  });
});
