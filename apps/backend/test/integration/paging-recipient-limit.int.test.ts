import request from 'supertest';
import type { AlertDto } from '@klaxon/contracts';
import { MovableClock } from '@klaxon/testing';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// Two pages per number per 10 minutes, on a clock the test moves: the window is counted by the clock, so it
// has room when the test moves the clock past it, never by waiting (and never early on a slow machine).
const WINDOW_MS = 10 * 60_000;
const clock = new MovableClock();

let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness({ recipientLimit: { perRecipient: 2, windowMs: WINDOW_MS }, overrides: { clock } });
  paging.slack.setUser('U0JANE', { profile: { phone: '+14155550101', display_name: 'jane' } });
  paging.slack.setUser('U0JOHN', { profile: { phone: '+14155550102', display_name: 'john' } });
});
afterAll(() => paging.close());

const toNumber = (phone: string) => (m: { form: Record<string, string> }) => m.form.To === `whatsapp:${phone}`;
const heldPosts = (channel: string) =>
  paging.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && typeof c.args.text === 'string' && c.args.text.startsWith('⏸'));
const eventsOf = async (alertId: string) =>
  (await request(paging.app).get(`/alerts/${alertId}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as Array<{ kind: string; data: Record<string, unknown> }>;

/** Raises a high alert (one WhatsApp) for `user` in `channel` and, unless told not to, waits until it was sent. */
async function raiseFor(tenant: string, user: string, channel: string, message: string, waitForSent = true): Promise<AlertDto> {
  const alert = await paging.raise({ tenant_id: tenant, message, severity: 'high', targets: [{ slack_user_id: user }], slack: { channel_id: channel, user_id: 'U0CALLER' } });
  if (waitForSent) await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds[0]?.status === 'sent');
  return alert;
}

describe('the per-recipient page limit (PAGE_LIMIT_PER_RECIPIENT)', () => {
  it('holds the pages to one number beyond its limit, across tenants, tells the channel once, and sends them once the window has room', async () => {
    await raiseFor('T-RCPT-A', 'U0JANE', 'C0RCPT', 'first');
    await raiseFor('T-RCPT-B', 'U0JANE', 'C0RCPTB', 'second');
    const third = await raiseFor('T-RCPT-A', 'U0JANE', 'C0RCPT', 'third', false);

    const [held] = await paging.eventually(() => paging.deliveries(third.id), (ds) => ds[0]?.status === 'held');
    expect(held).toMatchObject({ channel: 'whatsapp', status: 'held', attempts: 0, holdReason: 'recipient_limit' });
    const told = await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0RCPT' && String(c.args.text).startsWith('⏸'), 10_000);
    expect(told.args.text).toBe(
      '⏸ page to <@U0JANE> held (WhatsApp): +1 ******0101 has received 2 pages in the last 10 min (PAGE_LIMIT_PER_RECIPIENT); it goes out when there is room, unless the alert is acknowledged first.',
    );

    // The window has room once the clock has moved past it; its held page is queued then.
    clock.advance(WINDOW_MS);
    expect(await paging.backend.holds.releaseDue()).toBe(1);
    const sent = await paging.twilio.waitForMessage((m) => toNumber('+14155550101')(m) && m.form.Body?.includes('third') === true);
    expect(sent.responseStatus).toBe(201);
    const [delivery] = await paging.eventually(() => paging.deliveries(third.id), (ds) => ds[0]?.status === 'sent');
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1 });
    expect(succeeded(paging.twilio.messages()).filter((m) => m.form.Body?.includes('third'))).toHaveLength(1);
    const kinds = (await eventsOf(third.id)).map((e) => e.kind);
    expect(kinds[0]).toBe('created');
    expect(kinds.at(-1)).toBe('notification.sent');
    expect(kinds.slice(1, -1).every((k) => k === 'notification.held')).toBe(true);
    expect((await eventsOf(third.id)).find((e) => e.kind === 'notification.held')?.data).toMatchObject({ to: '+1 ******0101', count: 2, limit: 2, window_ms: WINDOW_MS });
    // Told when first held, not again if the window was still full when its job ran.
    expect(heldPosts('C0RCPT')).toHaveLength(1);
  });

  it('cancels a held page whose alert was acknowledged before the window had room', async () => {
    await raiseFor('T-RCPT-ACK', 'U0JOHN', 'C0RCPTACK', 'one');
    await raiseFor('T-RCPT-ACK', 'U0JOHN', 'C0RCPTACK', 'two');
    const third = await raiseFor('T-RCPT-ACK', 'U0JOHN', 'C0RCPTACK', 'three', false);
    await paging.eventually(() => paging.deliveries(third.id), (ds) => ds[0]?.status === 'held');
    await request(paging.app).put(`/alerts/${third.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0JOHN' }).expect(200);

    const [delivery] = await paging.eventually(() => paging.deliveries(third.id), (ds) => ds[0]?.status === 'cancelled');
    expect(delivery).toMatchObject({ status: 'cancelled' });
    expect(paging.twilio.messages().filter((m) => m.form.Body?.includes('three'))).toHaveLength(0);
    expect((await eventsOf(third.id)).map((e) => e.kind)).toEqual(['created', 'notification.held', 'acknowledged', 'notification.cancelled']);
  });
});
