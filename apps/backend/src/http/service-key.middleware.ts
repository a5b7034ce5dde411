import type { RequestHandler } from 'express';
import type { ServiceKey } from '@klaxon/config';
import { SERVICE_KEY_HEADER, tenantIdSchema } from '@klaxon/contracts';
import { sameSecret } from '../common/constant-time';
import { NotFoundError, UnauthorizedError } from '../common/errors';
import type { CallerScope } from '../alerts/alert.service';
import { parseInput } from './validate';

/** Finds the key that matches, comparing against every configured key in constant time. */
export function matchServiceKey(presented: string, keys: readonly ServiceKey[]): ServiceKey | null {
  let match: ServiceKey | null = null;
  for (const candidate of keys) {
    // No early exit: the time taken must not tell which key (or how many) were compared.
    if (sameSecret(presented, candidate.key) && match === null) match = candidate;
  }
  return match;
}

// Alertmanager (and most webhook senders) can only send `Authorization: Bearer <token>`.
const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The key the caller presented and where: the service-key header wins over `Authorization: Bearer`. */
function presentedKey(header: (name: string) => string | undefined): { key: string; where: string } | null {
  const direct = header(SERVICE_KEY_HEADER);
  if (direct) return { key: direct, where: `the ${SERVICE_KEY_HEADER} header` };
  const bearer = BEARER.exec(header('authorization') ?? '');
  return bearer ? { key: bearer[1]!, where: 'the Authorization: Bearer token' } : null;
}

export function requireServiceKey(keys: readonly ServiceKey[]): RequestHandler {
  return (req, res, next) => {
    const presented = presentedKey((name) => req.get(name));
    if (!presented) throw new UnauthorizedError(`send your service key in the ${SERVICE_KEY_HEADER} header (or as Authorization: Bearer <key>)`);
    const key = matchServiceKey(presented.key, keys);
    if (!key) throw new UnauthorizedError(`${presented.where} does not match any configured key`);
    const scope: CallerScope = { tenantId: key.tenantId };
    res.locals.caller = scope;
    next();
  };
}

export function callerOf(res: { locals: Record<string, unknown> }): CallerScope {
  return res.locals.caller as CallerScope;
}

/** The tenant a path names (`:tenant_id`), checked: a key bound to another tenant is told it does not exist. */
export function ownTenant(res: { locals: Record<string, unknown> }, raw: string): string {
  const tenantId = parseInput(tenantIdSchema, raw, 'tenant_id');
  const caller = callerOf(res);
  // Another tenant's data looks exactly like missing data, so a bound key cannot probe them.
  if (caller.tenantId !== null && caller.tenantId !== tenantId) throw new NotFoundError(`no tenant ${tenantId}`);
  return tenantId;
}

/**
 * Lets only an internal key (bound to no tenant) through: the routes behind it act for a Slack user on the
 * gateway's word (what they accept is Slack markup, or the person's own say-so), so no tenant's key may call them.
 */
export function gatewayOnly(route: string, instead: string): RequestHandler {
  return (_req, res, next) => {
    if (callerOf(res).tenantId !== null) throw new UnauthorizedError(`${route} is the Slack gateway's route; a key bound to a tenant ${instead}`);
    next();
  };
}
