import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createLogger } from '@klaxon/logger';
import { freePort } from '@klaxon/testing';
import type { createApp } from '../../src/app';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { buildApp, SERVICE_KEY, servicesConfig } from './helpers';

describe('when PostgreSQL is unreachable', () => {
  let db: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    // A port nothing listens on: every connection is refused, as when the database is down.
    db = createDatabase({ url: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/klaxon`, poolSize: 2, applicationName: 'down' });
    app = buildApp(db, createLogger({ service: 'backend', stream: new PassThrough() }), servicesConfig({ slackApiUrl: 'http://127.0.0.1:9/api/' })).app;
  });
  afterAll(() => closeDatabase(db));

  it('reports unhealthy with 503', async () => {
    const res = await request(app).get('/health').expect(503);
    expect(res.body).toMatchObject({ status: 'unhealthy', db: 'down' });
  });

  it('answers POST /alert with 503 and a detail that says nothing was stored', async () => {
    const res = await request(app)
      .post('/alert')
      .set('x-service-key', SERVICE_KEY)
      .send({ tenant_id: 'T1', message: 'm', targets: [{ slack_user_id: 'U0001' }] })
      .expect(503);
    expect(res.body).toEqual({ error: 'database_unavailable', detail: 'the database is unreachable; nothing was changed — retry in a few seconds' });
  });
});
