import request from 'supertest';
import type { TestPagesDto } from '@klaxon/contracts';
import { jobBacklog } from '../../src/jobs/job-backlog.repository';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// `/alert test` on the backend: TEST pages through the real channel senders (Twilio SDK to the fake Twilio),
// and nothing of a real incident left behind.
let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness();
});
afterAll(() => paging.close());
afterEach(() => paging.twilio.reset());

const testPages = async (tenantId: string, slackUserId: string) =>
  (await request(paging.app).post('/test-pages').set('x-service-key', SERVICE_KEY).send({ tenant_id: tenantId, slack_user_id: slackUserId }).expect(200)).body as TestPagesDto;

describe('POST /test-pages', () => {
  it('sends a TEST page on every accepted channel, reports each, and creates no alert, delivery, job or channel message', async () => {
    await request(paging.app)
      .put('/contacts/T-TEST/U0TESTER')
      .set('x-service-key', SERVICE_KEY)
      .send({ phone: '+44 20 7946 0958', email: 'tester@example.com', channels: ['whatsapp', 'voice', 'sms', 'email'] })
      .expect(200);
    paging.twilio.failNext(1, { status: 400, code: 21211, message: "The 'To' number +442079460958 is not a valid phone number." });

    const report = await testPages('T-TEST', 'U0TESTER');
    expect(report).toMatchObject({ tenant_id: 'T-TEST', slack_user_id: 'U0TESTER', reason: null });
    expect(report.results).toEqual([
      { channel: 'whatsapp', to: '+44 ******0958', outcome: 'failed', provider_message_id: null, detail: expect.stringMatching(/21211/) },
      { channel: 'voice', to: '+44 ******0958', outcome: 'sent', provider_message_id: expect.stringMatching(/^CA/), detail: null },
      { channel: 'sms', to: '+44 ******0958', outcome: 'sent', provider_message_id: expect.stringMatching(/^SM/), detail: null },
      // No SMTP configured here: the log channel "sends" it.
      { channel: 'email', to: 't***@example.com', outcome: 'sent', provider_message_id: expect.any(String), detail: null },
    ]);
    // The provider's text is shown masked.
    expect(JSON.stringify(report)).not.toContain('2079460958');

    const [sms] = succeeded(paging.twilio.messages());
    expect(sms?.form.Body).toMatch(/^🧪 Klaxon TEST page: .* Nothing to acknowledge\.$/);
    const [call] = succeeded(paging.twilio.calls());
    expect(call?.form.Twiml).toContain('This is a Klaxon test page.');

    const counts = await paging.db.one<{ alerts: number; deliveries: number }>(`SELECT (SELECT count(*) FROM alerts)::int AS alerts, (SELECT count(*) FROM deliveries)::int AS deliveries`);
    expect({ ...counts, jobs: (await jobBacklog(paging.db)).depth }).toEqual({ alerts: 0, deliveries: 0, jobs: 0 });
    const stats = await request(paging.app).get('/stats/T-TEST').set('x-service-key', SERVICE_KEY).expect(200);
    expect(JSON.stringify(stats.body)).not.toMatch(/[1-9]/);
    expect(paging.slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('says why when the person cannot be paged at all', async () => {
    const report = await testPages('T-TEST', 'U0NOPHONE');
    expect(report.results).toEqual([]);
    expect(report.reason).toEqual(expect.any(String));
    expect(paging.twilio.requests).toEqual([]);
  });
});
