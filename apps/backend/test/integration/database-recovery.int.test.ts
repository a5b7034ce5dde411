import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createLogger } from '@klaxon/logger';
import { freePort, restartablePostgres, type RestartablePostgres } from '@klaxon/testing';
import type { createApp } from '../../src/app';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { buildApp, SERVICE_KEY, testConfig } from './helpers';

// This test stops and restarts PostgreSQL, so it gets a server of its own rather than the shared one.
describe('when PostgreSQL goes away and comes back', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-recovery-pg-'));
  let server: RestartablePostgres;
  let db: Database;
  let app: ReturnType<typeof createApp>;
  const logger = createLogger({ service: 'backend', format: 'json', stream: new PassThrough() });

  beforeAll(async () => {
    server = restartablePostgres({ dataDir, port: await freePort() });
    await server.start();
    await migrate({ databaseUrl: server.url, logger });
    db = createDatabase({ url: server.url, poolSize: 3, applicationName: 'recovery' });
    app = buildApp(db, logger, testConfig({ slackApiUrl: 'http://127.0.0.1:9/api/' })).app;
  });
  afterAll(async () => {
    await closeDatabase(db);
    await server.destroy();
  });

  const raise = (message: string) =>
    request(app).post('/alert').set('x-service-key', SERVICE_KEY).send({ tenant_id: 'T-REC', message, targets: [{ slack_user_id: 'U0001' }] });

  it('answers 503 while it is down and recovers by itself when it returns', async () => {
    await raise('before').expect(201);

    await server.stop();
    const down = await raise('while down').expect(503);
    expect(down.body).toEqual({ error: 'database_unavailable', detail: expect.stringMatching(/unreachable; nothing was changed/) });
    await request(app).get('/alerts').query({ tenant_id: 'T-REC' }).set('x-service-key', SERVICE_KEY).expect(503);
    expect((await request(app).get('/health').expect(503)).body.db).toBe('down');

    await server.start();
    // The pool drops its dead connections and opens new ones; no restart of the backend.
    let answer = await raise('after');
    for (let i = 0; answer.status !== 201 && i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await raise('after');
    }
    expect(answer.status).toBe(201);
    const list = await request(app).get('/alerts').query({ tenant_id: 'T-REC' }).set('x-service-key', SERVICE_KEY).expect(200);
    expect(list.body.alerts.map((a: { message: string }) => a.message)).toEqual(['after', 'before']);
    expect((await request(app).get('/health').expect(200)).body.db).toBe('up');
  });
});
