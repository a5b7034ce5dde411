import request from 'supertest';
import { buildApp, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

let backend: BackendHarness;
let app: ReturnType<typeof buildApp>['app'];
beforeAll(async () => {
  backend = await startBackendHarness();
  app = buildApp(backend.db, backend.logger, { ...backend.config, pagingLimits: { perUser: 2, perTenant: 3, windowMs: 60_000 } }).app;
});
afterAll(() => backend.close());

const page = (tenant: string, user: string, requestId?: string) => {
  const req = request(app).post('/alert').set('x-service-key', SERVICE_KEY);
  if (requestId) req.set('x-request-id', requestId);
  return req.send({ tenant_id: tenant, message: 'x', targets: [{ phone: '+14155550141' }], slack: { channel_id: 'C0RL', user_id: user } });
};

describe('paging rate limits', () => {
  it('stops one person after their limit, says how long to wait, and still takes the rest of the team', async () => {
    await page('T-RL', 'U0ONE', 'rl-1').expect(201);
    await page('T-RL', 'U0ONE', 'rl-2').expect(201);
    const refused = await page('T-RL', 'U0ONE', 'rl-3').expect(429);
    expect(refused.body).toEqual({ error: 'rate_limited', detail: expect.stringMatching(/^<@U0ONE> has raised 2 alerts in 1 min.*wait \d+ s/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await page('T-RL', 'U0TWO', 'rl-4').expect(201);
  });

  it('stops the team at its own limit, and leaves other teams alone', async () => {
    const refused = await page('T-RL', 'U0THREE', 'rl-5').expect(429);
    expect(refused.body.detail).toMatch(/^tenant T-RL has raised 3 alerts in 1 min/);
    await page('T-RL-OTHER', 'U0THREE', 'rl-6').expect(201);
  });

  it('answers a retried request (same x-request-id) as the first time, without counting it', async () => {
    const first = await page('T-RL-RETRY', 'U0FOUR', 'rl-retry').expect(201);
    const again = await page('T-RL-RETRY', 'U0FOUR', 'rl-retry').expect(201);
    expect(again.body.id).toBe(first.body.id);
    await page('T-RL-RETRY', 'U0FOUR', 'rl-retry-2').expect(201);
  });
});
