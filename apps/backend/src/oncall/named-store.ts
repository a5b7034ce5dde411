import type { Database } from '../db/database';
import type { Clock } from '../time/clock';

/**
 * What schedules, escalation policies and services have in common: a tenant names each by a slug, and the
 * same four questions are asked of each. `created` tells a PUT that made the thing from one that replaced it.
 */
export interface NamedStore<Body, Item> {
  save(tenantId: string, name: string, body: Body): Promise<{ saved: Item; created: boolean }>;
  get(tenantId: string, name: string): Promise<Item>;
  list(tenantId: string): Promise<Item[]>;
  delete(tenantId: string, name: string): Promise<void>;
}

/** What a store of named things needs: the database, and the clock that dates what it writes. */
export interface NamedStoreOptions {
  db: Database;
  clock: Clock;
}
