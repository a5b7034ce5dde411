import { parseDuration, type Duration } from '@klaxon/contracts';
import type { Queryable } from '../db/database';

// What the on-call repositories share: reading back the durations they store, and deleting what others may use.

/** A duration an on-call repository wrote in canonical form; anything else means the row was written by hand. */
export function storedDuration(text: string): Duration {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`a stored duration does not parse (${parsed.reason})`);
  return parsed.duration;
}

/**
 * Runs `deleteSql` unless a RESTRICT foreign key refuses it: then nothing is deleted and `usedBy` holds the
 * names `usersSql` finds. The database decides, so a user written at the same moment cannot be left pointing
 * at a row that is gone. Both statements take the same parameters.
 */
export async function deleteUnlessUsed(db: Queryable, deleteSql: string, usersSql: string, params: readonly unknown[]): Promise<{ deleted: boolean; usedBy: string[] }> {
  try {
    const result = await db.result(deleteSql, params);
    return { deleted: result.rowCount > 0, usedBy: [] };
  } catch (error) {
    if (!isStillReferenced(error)) throw error;
    return { deleted: false, usedBy: await db.map(usersSql, params, (row: { name: string }) => row.name) };
  }
}

// ON DELETE RESTRICT refuses with restrict_violation (23001), NO ACTION with foreign_key_violation (23503).
const STILL_REFERENCED = new Set(['23001', '23503']);

function isStillReferenced(error: unknown): boolean {
  return typeof error === 'object' && error !== null && STILL_REFERENCED.has(String((error as { code?: unknown }).code));
}
