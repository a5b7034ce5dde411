// TwilioWebhookMemory on a real PostgreSQL: one copy of a webhook does the work, the others get its answer,
// whatever the order they arrive in and whatever became of the first.
import { MovableClock } from '@klaxon/testing';
import { claimWebhook } from '../../src/twilio/twilio-webhook.repository';
import { TwilioWebhookMemory, WebhookInProgressError } from '../../src/twilio/twilio-webhook-memory';
import { startBackendHarness, type BackendHarness } from './helpers';

const clock = new MovableClock();
let harness: BackendHarness;
beforeAll(async () => {
  harness = await startBackendHarness();
});
afterAll(() => harness.close());

const memory = (options: { waitMs?: number; staleAfterMs?: number } = {}) => new TwilioWebhookMemory({ db: harness.db, clock, logger: harness.logger, ...options });
let sids = 0;
const inbound = () => ({ MessageSid: `SM${String(++sids).padStart(32, '0')}`, Body: 'ack' });

/** Work that runs until released, and says when it started. */
function heldWork(answer: string) {
  let release!: () => void;
  let started!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const running = new Promise<void>((resolve) => (started = resolve));
  return {
    running,
    release: () => release(),
    work: async () => {
      started();
      await held;
      return answer;
    },
  };
}

describe('TwilioWebhookMemory', () => {
  it('makes a copy that arrives while the first is processed wait for its answer; the work runs once', async () => {
    const fields = inbound();
    const first = heldWork('<first/>');
    const firstAnswer = memory().once('inbound', fields, first.work);
    await first.running;
    let secondRan = false;
    const secondAnswer = memory().once('inbound', fields, async () => {
      secondRan = true;
      return '<second/>';
    });

    first.release();

    expect(await Promise.all([firstAnswer, secondAnswer])).toEqual(['<first/>', '<first/>']);
    expect(secondRan).toBe(false);
  });

  it('answers 409 to a copy when the first is still being processed after the wait', async () => {
    const fields = inbound();
    const first = heldWork('<first/>');
    const firstAnswer = memory().once('inbound', fields, first.work);
    await first.running;

    await expect(memory({ waitMs: 0 }).once('inbound', fields, async () => '<second/>')).rejects.toBeInstanceOf(WebhookInProgressError);

    first.release();
    expect(await firstAnswer).toBe('<first/>');
  });

  it('measures the wait by its clock: a copy gives up once its clock has passed the wait, pausing through the sleep it was given', async () => {
    const fields = inbound();
    const first = heldWork('<first/>');
    const firstAnswer = memory().once('inbound', fields, first.work);
    await first.running;
    const copyClock = new MovableClock();
    const pauses: number[] = [];
    const sleep = async (ms: number) => {
      pauses.push(ms);
      copyClock.advance(ms);
    };
    const copy = new TwilioWebhookMemory({ db: harness.db, clock: copyClock, logger: harness.logger, waitMs: 60_000, pollMs: 10_000, sleep });

    await expect(copy.once('inbound', fields, async () => '<second/>')).rejects.toBeInstanceOf(WebhookInProgressError);
    expect(pauses).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);

    first.release();
    expect(await firstAnswer).toBe('<first/>');
  });

  it('forgets a copy whose work failed, so that the next one (Twilio’s retry) does it', async () => {
    const fields = inbound();
    await expect(memory().once('inbound', fields, async () => Promise.reject(new Error('Slack was down')))).rejects.toThrow('Slack was down');

    expect(await memory().once('inbound', fields, async () => '<retried/>')).toBe('<retried/>');
    expect(await memory().once('inbound', fields, async () => '<again/>')).toBe('<retried/>');
  });

  it('lets a copy take over a claim never answered for longer than a backend lives (its backend died)', async () => {
    const fields = inbound();
    // Claimed by a backend that died before answering or releasing it.
    expect(await claimWebhook(harness.db, { key: `twilio-inbound-${fields.MessageSid}-inbound`, kind: 'inbound', receivedAt: clock.now() }, 60_000)).toBe(true);

    await expect(memory({ waitMs: 0 }).once('inbound', fields, async () => '<too soon/>')).rejects.toBeInstanceOf(WebhookInProgressError);
    expect(await memory({ staleAfterMs: 0 }).once('inbound', fields, async () => '<taken over/>')).toBe('<taken over/>');
  });
});
