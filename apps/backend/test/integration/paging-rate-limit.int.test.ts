import request from 'supertest';
import { MovableClock } from '@klaxon/testing';
import { ACME_KEY, buildApp, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

let backend: BackendHarness;
let app: ReturnType<typeof buildApp>['app'];
// Every app of this file counts in the same database, on one clock: the global count is everyone's, and a test
// that needs a fresh window moves the clock instead of waiting for one.
const clock = new MovableClock(new Date('2026-12-08T10:00:00Z'));
const limitedApp = (limits: Parameters<typeof buildApp>[3]) => buildApp(backend.db, backend.logger, backend.config, limits, { clock }).app;
beforeAll(async () => {
  backend = await startBackendHarness();
  app = limitedApp({ perUser: 2, perTenant: 3, globalPerMinute: 1000, windowMs: 60_000 });
});
afterAll(() => backend.close());

const body = (tenant: string, user: string) => ({ tenant_id: tenant, message: 'x', targets: [{ phone: '+14155550141' }], slack: { channel_id: 'C0RL', user_id: user } });
const page = (tenant: string, user: string, requestId?: string, options: { key?: string; to?: ReturnType<typeof buildApp>['app'] } = {}) => {
  const req = request(options.to ?? app).post('/alert').set('x-service-key', options.key ?? SERVICE_KEY);
  if (requestId) req.set('x-request-id', requestId);
  return req.send(body(tenant, user));
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

  it('keeps a refused request refused when it is sent again with the same x-request-id', async () => {
    await page('T-RL-REPLAY', 'U0FIVE', 'rl-replay-1').expect(201);
    await page('T-RL-REPLAY', 'U0FIVE', 'rl-replay-2').expect(201);
    await page('T-RL-REPLAY', 'U0FIVE', 'rl-replay-3').expect(429);
    const again = await page('T-RL-REPLAY', 'U0FIVE', 'rl-replay-3').expect(429);
    expect(again.body.detail).toMatch(/^<@U0FIVE> has raised 2 alerts/);
    // An accepted one is still answered as the first time, without counting it.
    await page('T-RL-REPLAY', 'U0FIVE', 'rl-replay-1').expect(201);
  });

  it('counts a request id accepted for one tenant again when it names another tenant', async () => {
    await page('T-RL-IDX', 'U0SIX', 'rl-idx-shared').expect(201);
    await page('T-RL-IDY', 'U0SEVEN', 'rl-idy-1').expect(201);
    await page('T-RL-IDY', 'U0EIGHT', 'rl-idy-2').expect(201);
    await page('T-RL-IDY', 'U0NINE', 'rl-idx-shared').expect(201);
    expect((await page('T-RL-IDY', 'U0TEN', 'rl-idy-4').expect(429)).body.detail).toMatch(/^tenant T-RL-IDY has raised 3 alerts/);
  });

  it('refuses a malformed x-request-id with 422 naming the header, without counting it', async () => {
    for (const id of ['a b', 'x'.repeat(129), 'naïve', 'a/b']) {
      const res = await page('T-RL-BADID', 'U0BADID', id).expect(422);
      expect(res.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(/^x-request-id: 1 to 128 letters, digits/) });
    }
    await page('T-RL-BADID', 'U0BADID', 'rl-badid-1').expect(201);
    await page('T-RL-BADID', 'U0BADID', 'rl-badid-2').expect(201);
    await page('T-RL-BADID', 'U0BADID', 'a b').expect(422);
    await page('T-RL-BADID', 'U0BADID', 'rl-badid-3').expect(429);
  });

  it('does not count a body refused with 422', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await request(app).post('/alert').set('x-service-key', SERVICE_KEY).send({ ...body('T-RL-BADBODY', 'U0BADBODY'), message: '' }).expect(422);
      expect(res.body.detail).toMatch(/^message: /);
    }
    await page('T-RL-BADBODY', 'U0BADBODY').expect(201);
    await page('T-RL-BADBODY', 'U0BADBODY').expect(201);
    await page('T-RL-BADBODY', 'U0BADBODY').expect(429);
  });

  it('answers 403 to a key bound to another tenant, forty times, and leaves that tenant’s budget untouched', async () => {
    for (let i = 0; i < 40; i++) {
      const res = await page('T-RL-VICTIM', 'U0VICTIM', `rl-foreign-${i}`, { key: ACME_KEY }).expect(403);
      expect(res.body).toEqual({ error: 'forbidden', detail: 'tenant_id: this service key is bound to tenant acme and may only raise alerts for it' });
    }
    await page('T-RL-VICTIM', 'U0VICTIM').expect(201);
    await page('T-RL-VICTIM', 'U0VICTIM').expect(201);
    await page('T-RL-VICTIM', 'U0OTHER').expect(201);
    await page('T-RL-VICTIM', 'U0OTHER').expect(429);
  });

  it('stops all tenants together at the global ceiling, with Retry-After and a sentence naming it', async () => {
    clock.advance(61_000);
    const ceiling = limitedApp({ perUser: 100, perTenant: 100, globalPerMinute: 3, windowMs: 60_000 });
    await page('T-RL-G1', 'U0G1', undefined, { to: ceiling }).expect(201);
    await page('T-RL-G1', 'U0G1', undefined, { to: ceiling }).expect(201);
    await page('T-RL-G2', 'U0G2', undefined, { to: ceiling }).expect(201);
    for (const tenant of ['T-RL-G2', 'T-RL-G1', 'T-RL-G3']) {
      const refused = await page(tenant, 'U0G3', undefined, { to: ceiling }).expect(429);
      expect(refused.body).toEqual({ error: 'rate_limited', detail: expect.stringMatching(/^Klaxon has taken 3 alerts in the last minute from all teams together, its global limit \(PAGE_LIMIT_GLOBAL\); wait \d+ s$/) });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('does not let one team already over its own limit use up the global ceiling', async () => {
    clock.advance(61_000);
    const ceiling = limitedApp({ perUser: 100, perTenant: 1, globalPerMinute: 2, windowMs: 60_000 });
    await page('T-RL-NOISY', 'U0NOISY', undefined, { to: ceiling }).expect(201);
    for (let i = 0; i < 5; i++) await page('T-RL-NOISY', 'U0NOISY', undefined, { to: ceiling }).expect(429);
    await page('T-RL-QUIET', 'U0QUIET', undefined, { to: ceiling }).expect(201);
  });

  it('counts a window from its first raise by the clock: Retry-After is what is left of it, and then the user may raise again', async () => {
    await page('T-RL-WINDOW', 'U0WINDOW').expect(201);
    clock.advance(20_000);
    await page('T-RL-WINDOW', 'U0WINDOW').expect(201);
    clock.advance(15_000);
    const refused = await page('T-RL-WINDOW', 'U0WINDOW').expect(429);
    expect(refused.headers['retry-after']).toBe('25');
    expect(refused.body.detail).toMatch(/wait 25 s/);
    clock.advance(24_999);
    await page('T-RL-WINDOW', 'U0WINDOW').expect(429);
    clock.advance(1);
    await page('T-RL-WINDOW', 'U0WINDOW').expect(201);
    await page('T-RL-WINDOW', 'U0WINDOW').expect(201);
    await page('T-RL-WINDOW', 'U0WINDOW').expect(429);
  });

  it('charges nothing for an answer from an open alert with the same dedup_key: it pages nobody again', async () => {
    const dedup = (requestId: string) =>
      request(app).post('/alert').set('x-service-key', SERVICE_KEY).set('x-request-id', requestId).send({ ...body('T-RL-DEDUP', 'U0DEDUP'), dedup_key: 'rl-dedup' });
    const first = await dedup('rl-dedup-1').expect(201);
    for (let i = 2; i <= 5; i++) expect((await dedup(`rl-dedup-${i}`).expect(200)).body.id).toBe(first.body.id);
    await page('T-RL-DEDUP', 'U0DEDUP').expect(201);
    await page('T-RL-DEDUP', 'U0DEDUP').expect(429);
  });
});
