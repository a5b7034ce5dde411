import request from 'supertest';
import { SERVICE_KEY, startUnreachableBackend, type UnreachableBackend } from './helpers';

describe('when PostgreSQL is unreachable', () => {
  let down: UnreachableBackend;
  beforeAll(async () => {
    down = await startUnreachableBackend();
  });
  afterAll(() => down.close());

  it('reports unhealthy with 503', async () => {
    const res = await request(down.app).get('/health').expect(503);
    expect(res.body).toMatchObject({ status: 'unhealthy', db: 'down' });
  });

  it('answers POST /alert with 503 and a detail that says nothing was stored', async () => {
    const res = await request(down.app)
      .post('/alert')
      .set('x-service-key', SERVICE_KEY)
      .send({ tenant_id: 'T1', message: 'm', targets: [{ slack_user_id: 'U0001' }] })
      .expect(503);
    expect(res.body).toEqual({ error: 'database_unavailable', detail: 'the database is unreachable; nothing was changed — retry in a few seconds' });
  });
});
