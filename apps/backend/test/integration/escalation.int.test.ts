import request from 'supertest';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// One escalation round after 1 s, then the channel: short enough for a test, the same code path as 5 min.
const ESCALATE_AFTER_MS = 1000;
let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness({ notify: { escalateAfterMs: ESCALATE_AFTER_MS, escalationRounds: 1 } });
});
afterAll(() => paging.close());
beforeEach(() => paging.twilio.reset());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const callsTo = (phone: string) => succeeded(paging.twilio.calls()).filter((c) => c.form.To === phone);
const events = async (alertId: string) =>
  (await request(paging.app).get(`/alerts/${alertId}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as Array<{ kind: string; data: Record<string, unknown> }>;

describe('escalation', () => {
  it('calls again when nobody acknowledges, then tells the Slack channel', async () => {
    const alert = await paging.raise({
      tenant_id: 'T-ESC',
      message: 'payments down',
      severity: 'critical',
      targets: [{ phone: '+14155550111' }],
      slack: { channel_id: 'C0ESC', user_id: 'U0CALLER' },
    });
    await paging.eventually(async () => callsTo('+14155550111').length, (n) => n === 2, 10_000);
    const reminder = await paging.slack.waitForCall('chat.postMessage', (call) => String(call.args.text).includes('still not acknowledged'), 10_000);
    expect(reminder.args).toMatchObject({ channel: 'C0ESC', text: expect.stringContaining('#1 (critical)') });
    const kinds = (await events(alert.id)).filter((e) => e.kind === 'escalated').map((e) => [e.data.round, e.data.calls, e.data.tell_channel]);
    expect(kinds).toEqual([
      [1, true, false],
      [2, false, true],
    ]);
    // Rounds are over: no further call however long we wait.
    await sleep(ESCALATE_AFTER_MS * 2);
    expect(callsTo('+14155550111')).toHaveLength(2);
  });

  it('does nothing once the alert is acknowledged', async () => {
    const alert = await paging.raise({ tenant_id: 'T-ESC-ACK', message: 'cpu', severity: 'critical', targets: [{ phone: '+14155550112' }] });
    await paging.eventually(async () => callsTo('+14155550112').length, (n) => n === 1);
    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0ACK' }).expect(200);
    await sleep(ESCALATE_AFTER_MS * 3);
    expect(callsTo('+14155550112')).toHaveLength(1);
    expect((await events(alert.id)).map((e) => e.kind)).not.toContain('escalated');
    const { count } = await paging.db.one<{ count: number }>("SELECT count(*)::int AS count FROM graphile_worker.jobs WHERE key = $1", [`escalate:${alert.id}`]);
    expect(count).toBe(0);
  });

  it('calls a high alert at the first escalation (WhatsApp only at once)', async () => {
    await paging.raise({ tenant_id: 'T-ESC-HIGH', message: 'latency', severity: 'high', targets: [{ phone: '+14155550113' }] });
    await paging.twilio.waitForMessage((m) => m.form.To === 'whatsapp:+14155550113', 5000);
    expect(callsTo('+14155550113')).toHaveLength(0);
    await paging.eventually(async () => callsTo('+14155550113').length, (n) => n === 1, 10_000);
  });
});
