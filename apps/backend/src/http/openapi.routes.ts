import { Router } from 'express';
import { z } from 'zod';
import { ERRORS, json, PUBLIC, type RouteDoc } from './openapi-kit';

/**
 * Serves the document it is given (openapi.ts assembles it from every routes module, this one included).
 * Public like /health: the description of the API holds no secrets and no tenant data, and tools (and people)
 * need it before they have a key. The service key still guards every route it describes.
 */
export function openApiRouter(document: object): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}

export const openApiPaths: RouteDoc[] = [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description: 'Unauthenticated: it describes the API and reveals no secrets.',
    tags: ['operations'],
    security: PUBLIC,
    responses: {
      200: json('The OpenAPI 3.1 description of this API.', z.object({ openapi: z.literal('3.1.0'), info: z.object({}), paths: z.object({}) })),
      422: ERRORS.invalidRequestId,
    },
  },
];
