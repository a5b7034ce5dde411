import request from 'supertest';
import { DATABASE_CONNECT_TIMEOUT_MS } from '@klaxon/config';
import { addJob } from '../../src/jobs/job-queue';
import { startBackendHarness, startUnreachableBackend, type BackendHarness } from './helpers';

describe('GET /health tells whether the backend can page', () => {
  it('answers 503 within seconds when PostgreSQL is down, and says so', async () => {
    const down = await startUnreachableBackend();
    try {
      const started = Date.now();
      const res = await request(down.app).get('/health').expect(503);
      // Bounded by the pool's connect timeout, never by a hung query.
      expect(Date.now() - started).toBeLessThan(DATABASE_CONNECT_TIMEOUT_MS + 2000);
      expect(res.body).toMatchObject({ status: 'unhealthy', db: 'down', jobs: { depth: null, oldest_due_age_s: null } });
      expect(res.body.problems).toEqual(['PostgreSQL does not answer: alerts cannot be stored nor pages sent']);
    } finally {
      await down.close();
    }
  });

  describe('with the job runner', () => {
    let backend: BackendHarness;
    beforeAll(async () => {
      backend = await startBackendHarness();
    });
    afterAll(() => backend.close());

    it('is healthy while the runner runs, naming each channel and its provider', async () => {
      await backend.backend.startWorker();
      const res = await request(backend.app).get('/health').expect(200);
      expect(res.body).toMatchObject({ status: 'healthy', db: 'up', problems: [], version: 'test', jobs: { worker: 'running', depth: expect.any(Number), max_backlog_age_s: 120 } });
      // No Twilio and no SMTP configured here: every page would only be logged, and /health says so.
      expect(res.body.channels).toMatchObject({ whatsapp: 'log', sms: 'log', voice: 'log', email: 'log' });
    });

    it('answers 503 once the runner has stopped', async () => {
      const worker = await backend.backend.startWorker();
      await worker.stop();
      const res = await request(backend.app).get('/health').expect(503);
      expect(res.body).toMatchObject({ status: 'unhealthy', db: 'up', jobs: { worker: 'stopped' } });
      expect(res.body.problems).toEqual(['the job runner has stopped: no page, retry or escalation will be sent']);
    });
  });

  describe('with a backlog', () => {
    let backend: BackendHarness;
    beforeAll(async () => {
      backend = await startBackendHarness({ healthMaxBacklogAgeMs: 60_000 });
    });
    afterAll(() => backend.close());

    it('counts a delayed job as not late, then answers 503 once a due job has waited longer than HEALTH_MAX_BACKLOG_AGE', async () => {
      const alertId = '00000000-0000-0000-0000-000000000000';
      await backend.db.tx((t) => addJob(t, 'escalate', { alertId, round: 1 }, { runAt: new Date(Date.now() + 600_000), severity: 'high' }));
      const waiting = await request(backend.app).get('/health').expect(200);
      expect(waiting.body.jobs).toEqual({ worker: 'not_started', depth: 1, oldest_due_age_s: 0, max_backlog_age_s: 60 });

      await backend.db.tx((t) => addJob(t, 'slack-message', { alertId }, { runAt: new Date(Date.now() - 90_000), severity: 'high' }));
      const late = await request(backend.app).get('/health').expect(503);
      expect(late.body.jobs.oldest_due_age_s).toBeGreaterThanOrEqual(89);
      expect(late.body.problems).toEqual([expect.stringMatching(/^the oldest due job has waited 9\d s \(HEALTH_MAX_BACKLOG_AGE: 60 s\): pages are late$/)]);
    });
  });

  describe('per role (docs/scaling.md)', () => {
    it('says an all-in-one backend runs the API, the jobs, the sweeps and the hand-off planning', async () => {
      const backend = await startBackendHarness();
      try {
        await backend.backend.startWorker();
        const res = await request(backend.app).get('/health').expect(200);
        expect(res.body).toMatchObject({ role: 'all', runs: ['api', 'jobs', 'sweeps', 'handoff-planning', 'heartbeat-checks'], jobs: { worker: 'running' } });
      } finally {
        await backend.close();
      }
    });

    it('says an api backend runs no jobs, and is still healthy: the workers page', async () => {
      const backend = await startBackendHarness({ role: 'api' });
      try {
        const res = await request(backend.app).get('/health').expect(200);
        expect(res.body).toMatchObject({ status: 'healthy', role: 'api', runs: ['api'], jobs: { worker: 'not_started' } });
        const metrics = await request(backend.app).get('/metrics').expect(200);
        expect(metrics.text).toMatch(/^klaxon_backend_process_cpu_user_seconds_total\{role="api"\} /m);
      } finally {
        await backend.close();
      }
    });

    it('serves a worker only /health and /metrics, both saying its role', async () => {
      const backend = await startBackendHarness({ role: 'worker' });
      try {
        await backend.backend.startWorker();
        const probes = backend.backend.probeApp;
        const res = await request(probes).get('/health').expect(200);
        expect(res.body).toMatchObject({ status: 'healthy', role: 'worker', runs: ['jobs', 'sweeps', 'handoff-planning', 'heartbeat-checks'], jobs: { worker: 'running' } });
        const metrics = await request(probes).get('/metrics').expect(200);
        expect(metrics.text).toMatch(/^klaxon_backend_http_requests_total\{[^}]*role="worker"[^}]*\} /m);
        // No API: a raise or a list is a 404 there, whatever key it carries.
        await request(probes).post('/alert').send({}).expect(404);
        await request(probes).get('/alerts').expect(404);
        await request(probes).get('/openapi.json').expect(404);
      } finally {
        await backend.close();
      }
    });
  });
});
