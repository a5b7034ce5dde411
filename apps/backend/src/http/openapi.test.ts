import { z } from 'zod';
import { ACTOR_PATTERN } from '@klaxon/contracts';
import { HTTP_METHODS, openApiDocument } from './openapi';
import { bodyOf, described } from './openapi-kit';

// What the route-walk and conformance tests (test/integration/openapi.int.test.ts) cannot see without a database.

const operations = Object.entries(openApiDocument.paths).flatMap(([path, item]) => HTTP_METHODS.flatMap((method) => (item[method] ? [{ path, method, operation: item[method] }] : [])));

function patternsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => patternsIn(item, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') found.push(value);
      else patternsIn(value, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('writes a pattern whose regex has flags without them (zod-to-openapi appends `/u`)', () => {
    const transition = openApiDocument.components.schemas?.TransitionRequest as { properties: { actor: { pattern: string } } };
    expect(transition.properties.actor.pattern).toBe(ACTOR_PATTERN.source);
    const patterns = patternsIn(openApiDocument);
    expect(patterns.length).toBeGreaterThan(10);
    for (const pattern of patterns) {
      expect(pattern).not.toMatch(/[^\\]\/[a-z]+$/);
      // JSON Schema reads patterns as Unicode regular expressions.
      expect(() => new RegExp(pattern, 'u')).not.toThrow();
    }
  });

  it('describes every parameter, and names every path parameter in its path', () => {
    for (const { path, method, operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        if ('$ref' in parameter) throw new Error(`${method} ${path}: a shared parameter; describe it where the route is`);
        expect({ at: `${method} ${path} ${parameter.name}`, description: Boolean(parameter.description) }).toEqual({ at: `${method} ${path} ${parameter.name}`, description: true });
        if (parameter.in === 'path') expect(path).toContain(`{${parameter.name}}`);
      }
    }
  });

  it('keeps the service key as the default and the bearer form for Alertmanager', () => {
    expect(openApiDocument.security).toEqual([{ serviceKey: [] }]);
    expect(Object.keys(openApiDocument.components.securitySchemes ?? {})).toEqual(['serviceKey', 'bearer']);
    expect(openApiDocument.paths['/integrations/alertmanager']?.post?.security).toEqual([{ serviceKey: [] }, { bearer: [] }]);
  });
});

describe('described', () => {
  it('gives each field its parameter description and leaves validation alone', () => {
    const query = z.strictObject({ limit: z.coerce.number().int().default(50) });
    const documented = described(query, { limit: 'Page size.' });
    expect(documented.shape.limit.meta()).toEqual({ param: { description: 'Page size.' } });
    expect(documented.parse({ limit: '7' })).toEqual({ limit: 7 });
    expect(documented.safeParse({ limit: '7', other: 1 }).success).toBe(false);
  });
});

describe('bodyOf', () => {
  interface Dto {
    a: string;
    b: number | null;
  }

  it('takes a schema that says exactly what its DTO says, and (at compile time) refuses one that does not', () => {
    const exact = bodyOf<Dto>()(z.strictObject({ a: z.string(), b: z.number().nullable() }));
    // @ts-expect-error a field less than the DTO
    bodyOf<Dto>()(z.strictObject({ a: z.string() }));
    // @ts-expect-error a field more than the DTO
    bodyOf<Dto>()(z.strictObject({ a: z.string(), b: z.number().nullable(), c: z.string() }));
    // @ts-expect-error narrower than the DTO: b may be null
    bodyOf<Dto>()(z.strictObject({ a: z.string(), b: z.number() }));
    expect(exact.safeParse({ a: 'x', b: null }).success).toBe(true);
  });
});
