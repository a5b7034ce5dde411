import http from 'node:http';
import { run, type Runner } from 'graphile-worker';
import { Pool } from 'pg';

// The pipeline's own floor, as a process of its own (so /proc can tell its CPU from the bench's): the least
// a correct raise-and-page takes on graphile-worker and PostgreSQL. POST /alert writes the alert (its
// per-tenant number), its one delivery (the target's phone from a contacts table) and the delivery's job in
// ONE statement; the `floor_deliver` task claims the delivery (a conditional UPDATE: a repeated job finds it
// taken), "sends" through a no-op notifier and records the result. No validation beyond what the statement
// needs, no events, no escalation, no logging: everything Klaxon does on top of this is its extra cost.
// The worker runs with Klaxon's own settings (NOTIFY_CONCURRENCY 10, completeJobBatchDelay 0).

const databaseUrl = process.env.FLOOR_DATABASE_URL ?? '';
const port = Number(process.env.FLOOR_PORT);
const POOL_SIZE = 10;
const CONCURRENCY = 10;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS floor_counters (tenant_id text PRIMARY KEY, last_number integer NOT NULL);
  CREATE TABLE IF NOT EXISTS floor_contacts (tenant_id text NOT NULL, slack_user_id text NOT NULL, phone text NOT NULL, PRIMARY KEY (tenant_id, slack_user_id));
  CREATE TABLE IF NOT EXISTS floor_alerts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id text NOT NULL, number integer NOT NULL,
    message text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (tenant_id, number));
  CREATE TABLE IF NOT EXISTS floor_deliveries (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), alert_id uuid NOT NULL REFERENCES floor_alerts,
    phone text NOT NULL, status text NOT NULL DEFAULT 'queued', attempts integer NOT NULL DEFAULT 0, provider_id text, sent_at timestamptz);
  -- What a restart would look for (deliveries not sent yet), and what the bench polls until none is left.
  CREATE INDEX IF NOT EXISTS floor_deliveries_pending ON floor_deliveries (id) WHERE status IN ('queued', 'sending');`;

// The counter row is locked only for this statement; the job commits with the rows it points at.
const RAISE = `
  WITH n AS (
    INSERT INTO floor_counters AS c (tenant_id, last_number) VALUES ($1, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number),
  a AS (INSERT INTO floor_alerts (tenant_id, number, message) SELECT $1, last_number, $2 FROM n RETURNING id, number),
  d AS (INSERT INTO floor_deliveries (alert_id, phone)
        SELECT a.id, k.phone FROM a JOIN floor_contacts k ON k.tenant_id = $1 AND k.slack_user_id = $3 RETURNING id)
  SELECT a.id, a.number, (graphile_worker.add_job('floor_deliver', json_build_object('deliveryId', d.id), max_attempts => 5)).id AS job_id
  FROM a, d`;

// The page needs its alert's text: read with the claim, in the same statement.
const CLAIM = `UPDATE floor_deliveries d SET status = 'sending', attempts = d.attempts + 1 FROM floor_alerts a
                WHERE d.id = $1 AND d.status = 'queued' AND a.id = d.alert_id RETURNING d.phone, a.number, a.message`;
const RECORD = `UPDATE floor_deliveries SET status = 'sent', provider_id = $2, sent_at = now() WHERE id = $1`;

/** The notifier: builds the text and answers as a provider would, sending nothing. */
const noOpSend = async (deliveryId: string, page: { phone: string; number: number; message: string }): Promise<string> =>
  `${page.phone}:${page.number}:${page.message}`.length > 0 ? `SM${deliveryId.replaceAll('-', '')}` : '';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  await pool.query(SCHEMA);
  const runner: Runner = await run({
    connectionString: databaseUrl,
    maxPoolSize: CONCURRENCY + 2,
    concurrency: CONCURRENCY,
    pollInterval: 1000,
    noHandleSignals: true,
    preset: { worker: { completeJobBatchDelay: 0 } },
    taskList: {
      floor_deliver: async (payload) => {
        const { deliveryId } = payload as { deliveryId: string };
        const page = (await pool.query<{ phone: string; number: number; message: string }>(CLAIM, [deliveryId])).rows[0];
        if (!page) return;
        await pool.query(RECORD, [deliveryId, await noOpSend(deliveryId, page)]);
      },
    },
  });

  const server = http.createServer((req, res): void => {
    const answer = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url === '/healthz') return answer(200, { status: 'ok' });
    if (req.method === 'PUT' && req.url === '/contacts') {
      void readJson(req).then((body) => putContact(pool, body).then(() => answer(200, {}), (error: Error) => answer(500, { error: error.message })));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/alert') return answer(404, { error: 'not_found' });
    void readJson(req).then(async (body) => {
      const { tenant_id: tenantId, message, targets } = body as { tenant_id?: string; message?: string; targets?: Array<{ slack_user_id?: string }> };
      const target = targets?.[0]?.slack_user_id;
      if (typeof tenantId !== 'string' || typeof message !== 'string' || typeof target !== 'string') return answer(422, { error: 'invalid_field' });
      try {
        const { rows } = await pool.query<{ id: string; number: number }>(RAISE, [tenantId, message, target]);
        const raised = rows[0];
        if (!raised) return answer(422, { error: 'invalid_field', detail: 'the target has no phone' });
        return answer(201, { id: raised.id, number: raised.number });
      } catch (error) {
        return answer(500, { error: 'internal', detail: (error as Error).message });
      }
    });
  });
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    void runner.stop().then(() => pool.end()).then(() => process.exit(0));
  });
}

async function putContact(pool: Pool, body: unknown): Promise<void> {
  const { tenant_id: tenantId, slack_user_id: userId, phone } = body as { tenant_id: string; slack_user_id: string; phone: string };
  await pool.query('INSERT INTO floor_contacts VALUES ($1, $2, $3) ON CONFLICT (tenant_id, slack_user_id) DO UPDATE SET phone = EXCLUDED.phone', [tenantId, userId, phone]);
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(null);
      }
    });
  });
}

main().catch((error: unknown) => {
  console.error('pipeline floor failed to start:', error);
  process.exit(1);
});
