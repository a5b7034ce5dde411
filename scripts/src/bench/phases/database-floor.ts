import http from 'node:http';
import { Pool } from 'pg';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import type { DatabaseHandle } from '../apps';
import { serve, type Cleanup } from '../cleanup';
import { BENCH_TENANTS, PAGED_USER, POOL_SIZE, messageOf } from '../context';

// The raise phase's baseline: what the database alone costs for the rows and jobs one raise writes.

export interface RaiseShape {
  /** Rows one raise writes besides the alert (targets, deliveries, events). */
  detailRows: number;
  jobs: number;
}

/** Raises one alert through the backend and counts what it wrote, so the floor does the same. */
export async function raiseShape(db: DatabaseHandle, backendUrl: string, serviceKey: string): Promise<RaiseShape> {
  const count = async () => {
    const [row] = await db.any<{ details: number; jobs: number }>(
      `SELECT (SELECT count(*) FROM alert_targets) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM alert_events) AS details,
              (SELECT count(*) FROM graphile_worker.jobs) AS jobs`,
    );
    return { details: Number(row?.details ?? 0), jobs: Number(row?.jobs ?? 0) };
  };
  const before = await count();
  const response = await fetch(`${backendUrl}/alert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-service-key': serviceKey },
    body: JSON.stringify({ tenant_id: BENCH_TENANTS[0], message: 'shape', severity: 'high', targets: [{ slack_user_id: PAGED_USER }] }),
  });
  if (response.status !== 201) throw new Error(`the shape raise answered ${response.status}: ${await response.text()}`);
  const after = await count();
  return { detailRows: after.details - before.details, jobs: after.jobs - before.jobs };
}

/**
 * The database floor: a bare HTTP server whose POST /alert runs, in one transaction, what a raise must write
 * at the least (the alert row, its detail rows, its jobs through graphile_worker.add_job) and nothing else:
 * no validation, no numbering lock, no contact lookup. Same pool size as the backend.
 */
export async function floorServer(databaseUrl: string, shape: RaiseShape, cleanup: Cleanup): Promise<string> {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  cleanup.add('floor pool', () => pool.end());
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_floor_alerts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id text NOT NULL, message text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS bench_floor_details (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), alert_id uuid NOT NULL REFERENCES bench_floor_alerts, kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { tenant_id: string; message: string };
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ id: string }>('INSERT INTO bench_floor_alerts (tenant_id, message) VALUES ($1, $2) RETURNING id', [body.tenant_id, body.message]);
          const alertId = rows[0]!.id;
          if (shape.detailRows > 0) {
            await client.query('INSERT INTO bench_floor_details (alert_id, kind) SELECT $1, $2 FROM generate_series(1, $3)', [alertId, 'detail', shape.detailRows]);
          }
          for (let job = 0; job < shape.jobs; job++) {
            await client.query("SELECT id FROM graphile_worker.add_job('bench_floor', json_build_object('alertId', $1::text), max_attempts => 5)", [alertId]);
          }
          await client.query('COMMIT');
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: alertId }));
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'floor', detail: messageOf(error) }));
        } finally {
          client.release();
        }
      })();
    });
  });
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  return serve(server, cleanup, 'floor server');
}
