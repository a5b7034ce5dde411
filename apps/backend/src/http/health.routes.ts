import { Router } from 'express';
import type { Database } from '../db/database';

/** The body of GET /health (200 and 503 alike); the OpenAPI document mirrors it. */
export interface HealthBody {
  status: 'healthy' | 'unhealthy';
  db: 'up' | 'down';
  db_latency_ms: number;
  uptime_s: number;
  version: string;
}

/** Liveness that means something: 200 only when PostgreSQL answers. Unauthenticated, for supervisors and probes. */
export function healthRouter({ db, version }: { db: Database; version: string }): Router {
  const router = Router();
  const startedAt = Date.now();
  router.get('/health', async (_req, res) => {
    const started = process.hrtime.bigint();
    const db_up = await db.one('SELECT 1 AS ok').then(() => true, () => false);
    const body: HealthBody = {
      status: db_up ? 'healthy' : 'unhealthy',
      db: db_up ? 'up' : 'down',
      db_latency_ms: Number(process.hrtime.bigint() - started) / 1e6,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      version,
    };
    res.status(db_up ? 200 : 503).json(body);
  });
  return router;
}
