import { z } from 'zod';
import { tenantIdSchema } from '@klaxon/contracts';
import { ValidationError } from '../common/errors';

/** The path of the routes about one tenant (`/stats/:tenant_id`, …). */
export const tenantPathSchema = z.object({ tenant_id: tenantIdSchema });

/** Parses input with a zod schema; a failure is a 422 whose detail names each bad field and what was expected. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 5).map((issue) => {
    const field = fieldOf(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${issue.keys.map((k) => (field ? `${field}.${k}` : k)).join(', ')}: unknown field (check the spelling)`;
    }
    return `${field || what}: ${issue.message}`;
  });
  throw new ValidationError(details.join('; '));
}

/** A zod issue's path as a caller writes it: `alerts[0].labels.page`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}
