import { Router } from 'express';
import type { Registry } from 'prom-client';
import { ERRORS, PUBLIC, type RouteDoc } from './openapi-kit';

/** Prometheus' scrape: unauthenticated like /health. */
export function metricsRouter(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

export const metricsPaths: RouteDoc[] = [
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Unauthenticated like /health: the backend listens on loopback only, and labels carry no ids or phone numbers.',
    tags: ['operations'],
    security: PUBLIC,
    responses: {
      200: { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
      422: ERRORS.invalidRequestId,
    },
  },
];
