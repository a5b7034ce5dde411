import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written while handling one request (or job) carries. */
export interface RequestContext {
  requestId?: string;
  tenantId?: string;
  alertId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * Adds fields to the context of the request (or job) being handled, for the lines it still writes: the
 * alert a request raised is known only halfway through it. Outside any context this does nothing.
 */
export function addToContext(fields: RequestContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}
