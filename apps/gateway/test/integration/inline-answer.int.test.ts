import { alertFixture, targetFixture, type FakeSlackApi } from '@klaxon/testing';
import { sendSlashCommand, startGatewayStack, type GatewayHarness, type GatewayStack, type ScriptedBackend } from './harness';

// Short enough for the suite, long enough that a loopback answer of a few ms is always in time.
const INLINE_ANSWER_MS = 600;
// Slower than the inline deadline, faster than the backend client's timeout (2 s): answered, but late.
const SLOW_BACKEND_MS = 1500;

describe('an outcome in the ack (SLACK_INLINE_ANSWER_MS), through the real Bolt receiver', () => {
  let slack: FakeSlackApi;
  let backend: ScriptedBackend;
  let gateway: GatewayHarness;
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ inlineAnswerMs: INLINE_ANSWER_MS });
    ({ slack, backend, gateway } = stack);
  });
  afterAll(() => stack.close());

  /** Sends `/alert <text>`; resolves once the gateway has finished everything the command started. */
  async function run(text: string) {
    const id = `r-${Math.random().toString(36).slice(2)}`;
    const ack = await sendSlashCommand(gateway.url, { text, response_url: slack.responseUrl(id) });
    expect(ack.status).toBe(200);
    // The explicit "nothing else will happen": the command's work, response_url post included, is over.
    expect(await gateway.gateway.inFlight.drain(10_000)).toBe(true);
    return { ack: JSON.parse(ack.body) as { text: string; response_type: string }, ackMs: ack.ackMs, posted: slack.responses(id) };
  }

  it('acks a page the backend raised in time with the outcome itself, and posts nothing to response_url', async () => {
    backend.on('POST', '/slack/alert', {
      status: 201,
      body: alertFixture({ targets: [targetFixture('U1AAA', ['whatsapp', 'voice']), targetFixture('U3CCC', [], 'no phone number')] }),
    });
    const before = gateway.gateway.stats().pages;
    const { ack, posted } = await run('<@U1AAA|jane> <@U3CCC> critical checkout is down');
    expect(ack).toEqual({
      response_type: 'ephemeral',
      text: "🚨 #42 paging <@U1AAA> (WhatsApp + call); <@U3CCC> can't be paged (no phone number) — ask them to run `/alert phone`",
    });
    expect(posted).toEqual([]);
    const after = gateway.gateway.stats().pages;
    expect({ acked: after.acked - before.acked, raised: after.raised - before.raised }).toEqual({ acked: 1, raised: 1 });
  });

  it('acks other commands with their answer too (an acknowledgement)', async () => {
    backend.on('PUT', '/alerts/42/acknowledge', { status: 200, body: alertFixture({ status: 'acknowledged' }) });
    const { ack, posted } = await run('ack 42 on it');
    expect(ack.text).toBe('✅ #42 acknowledged');
    expect(posted).toEqual([]);
  });

  it('acks "⏳" at the deadline when the backend is slower, then posts its answer to response_url exactly once', async () => {
    backend.on('POST', '/slack/alert', { status: 201, body: alertFixture({ number: 43 }), delayMs: SLOW_BACKEND_MS });
    const { ack, ackMs, posted } = await run('<@U1AAA> critical slow database');
    expect(ack.text).toBe('⏳ Raising an alert for <@U1AAA>…');
    // Not before the deadline (the answer might have come), and well before Slack's 3 s.
    expect(ackMs).toBeGreaterThanOrEqual(INLINE_ANSWER_MS - 50);
    expect(ackMs).toBeLessThan(SLOW_BACKEND_MS);
    expect(posted).toEqual([expect.objectContaining({ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/^🚨 #43 paging <@U1AAA>/) })]);
  });

  it('tells the author in the ack that nothing was paged when the backend refuses the page in time', async () => {
    backend.on('POST', '/slack/alert', { status: 422, body: { error: 'invalid_field', detail: 'message: too long' } });
    const before = gateway.gateway.stats().pages;
    const { ack, posted } = await run('<@U1AAA> refused');
    expect(ack.text).toMatch(/^❌ Nothing was paged: the backend refused it \(message: too long\)\. Try again in a minute/);
    expect(posted).toEqual([]);
    const after = gateway.gateway.stats().pages;
    expect({ acked: after.acked - before.acked, toldFailed: after.toldFailed - before.toldFailed, raised: after.raised - before.raised }).toEqual({ acked: 1, toldFailed: 1, raised: 0 });
  });

  it('tells the author on response_url that nothing was paged when a failing backend outlasts the deadline', async () => {
    // Retried (same request id) for the whole page budget, which is longer than the inline deadline.
    backend.on('POST', '/slack/alert', { status: 503, body: { error: 'database_unavailable', detail: 'db down' } });
    const { ack, posted } = await run('<@U1AAA> still down');
    expect(ack.text).toBe('⏳ Raising an alert for <@U1AAA>…');
    expect(posted).toEqual([expect.objectContaining({ text: expect.stringMatching(/^❌ Nothing was paged: the Klaxon backend cannot reach its database/) })]);
  });
});
