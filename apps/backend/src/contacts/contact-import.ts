import type { Readable } from 'node:stream';
import {
  CONTACT_CSV_COLUMNS,
  DEFAULT_CONTACT_CHANNELS,
  SLACK_USER_ID_PATTERN,
  type ContactCsvColumn,
  type UpsertContactRequestSchema,
} from '@klaxon/contracts';
import type { Queryable } from '../db/database';
import { inconsistency, type ChannelBook, type Contact, type ContactChanges } from './contact';
import { readContactCsv, splitChannels, type CsvContactRow } from './contact-csv';
import { findContacts, writeImportedContacts, type ImportedContactRow } from './contact.repository';
import { normalizePhone } from './phone-number';
import { deletePendingPhones } from './phone-verification.repository';

export interface ImportOptions {
  /** Validate and count, write nothing. */
  dryRun: boolean;
  /** Replace numbers people set themselves too (normally kept). */
  overwriteSelf: boolean;
}

/** How rows are checked: the region of numbers without `+`, the registered channels, and `PUT /contacts`'s schema for them. */
export interface ImportRules {
  defaultRegion: string;
  channels: Pick<ChannelBook, 'addressKindOf'>;
  schema: UpsertContactRequestSchema;
}

export interface ImportLineError {
  line: number;
  column: ContactCsvColumn | null;
  reason: string;
}

export interface ImportResult {
  rows: number;
  imported: number;
  unchanged: number;
  keptSelf: number;
  skipped: number;
  /** The first MAX_LISTED_ERRORS problems, by line. */
  errors: ImportLineError[];
}

export const MAX_LISTED_ERRORS = 1000;
// Rows per INSERT: a few hundred kB of JSON per statement, ten round trips for a 10,000-line file.
const WRITE_BATCH = 2000;
const COLUMNS = new Set<string>(CONTACT_CSV_COLUMNS);

interface ValidRow {
  line: number;
  slackUserId: string;
  changes: ContactChanges;
}

/** A zod path or the field an `inconsistency` sentence starts with, as a column of the file. */
const columnOf = (field: unknown): ContactCsvColumn | null => (typeof field === 'string' && COLUMNS.has(field) ? (field as ContactCsvColumn) : null);

/**
 * Checks one row with the rules of `PUT /contacts` (the same zod schema and phone normaliser), so a
 * number an import accepts is one a person could have typed. Returns the changes or the row's problems.
 */
export function validateRow(row: CsvContactRow, { defaultRegion, schema }: Pick<ImportRules, 'defaultRegion' | 'schema'>): { ok: true; row: ValidRow } | { ok: false; errors: ImportLineError[] } {
  const { line, cells } = row;
  const problem = (column: ContactCsvColumn | null, reason: string) => ({ ok: false as const, errors: [{ line, column, reason }] });
  const slackUserId = cells.slack_user_id;
  if (!slackUserId) return problem('slack_user_id', 'required: the Slack user id this row is for');
  if (!SLACK_USER_ID_PATTERN.test(slackUserId)) return problem('slack_user_id', 'a Slack user id such as U024BE7LH');

  const { slack_user_id: _id, channels, ...fields } = cells;
  const body = { ...fields, ...(channels !== undefined ? { channels: splitChannels(channels) } : {}) };
  if (Object.keys(body).length === 0) return problem(null, `nothing to import: give at least one of ${CONTACT_CSV_COLUMNS.slice(1).join(', ')}`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => ({ line, column: columnOf(issue.path[0]), reason: issue.message })) };
  }
  let phone: string | undefined;
  if (parsed.data.phone !== undefined) {
    const normalized = normalizePhone(parsed.data.phone, defaultRegion);
    if (!normalized.ok) return problem('phone', normalized.reason);
    phone = normalized.e164;
  }
  const { name, email, channels: accepted, time_zone: timeZone } = parsed.data;
  return { ok: true, row: { line, slackUserId, changes: { name, phone, email, channels: accepted, timeZone } } };
}

/** The whole row an import writes: the file's fields over what is stored, defaults for a new contact. */
function merged(stored: Contact | undefined, slackUserId: string, changes: ContactChanges): ImportedContactRow {
  return {
    slackUserId,
    name: changes.name ?? stored?.name ?? null,
    phone: changes.phone ?? stored?.phone ?? null,
    email: changes.email ?? stored?.email ?? null,
    channels: changes.channels ?? stored?.channels ?? [...DEFAULT_CONTACT_CHANNELS],
    timeZone: changes.timeZone ?? stored?.timeZone ?? null,
    // The source says who wrote the number: the import only when it brought one.
    source: changes.phone !== undefined ? 'import' : (stored?.source ?? 'import'),
  };
}

function sameAsStored(stored: Contact | undefined, row: ImportedContactRow): boolean {
  if (!stored) return false;
  return (
    stored.name === row.name &&
    stored.phone === row.phone &&
    stored.email === row.email &&
    stored.timeZone === row.timeZone &&
    stored.source === row.source &&
    stored.channels.length === row.channels.length &&
    stored.channels.every((channel, i) => row.channels[i] === channel)
  );
}

/**
 * Imports a contact directory CSV for one tenant: reads it as a stream, validates every row, then writes
 * all valid rows in one transaction (batched), or nothing on a dry run. A row that fails is reported by
 * line and column and the others still go in: an operator fixes the few bad lines and imports again.
 */
export async function importContacts(
  db: Queryable,
  rules: ImportRules,
  tenantId: string,
  input: Readable | string,
  options: ImportOptions,
): Promise<ImportResult> {
  const errors: ImportLineError[] = [];
  const badLines = new Set<number>();
  const refuse = (found: ImportLineError[]) => {
    for (const error of found) {
      badLines.add(error.line);
      if (errors.length < MAX_LISTED_ERRORS) errors.push(error);
    }
  };
  const valid = new Map<string, ValidRow>();
  let rows = 0;
  for await (const item of readContactCsv(input)) {
    rows++;
    if ('error' in item) {
      refuse([{ ...item.error, column: null }]);
      continue;
    }
    const checked = validateRow(item.row, rules);
    if (!checked.ok) {
      refuse(checked.errors);
      continue;
    }
    const earlier = valid.get(checked.row.slackUserId);
    if (earlier) {
      refuse([{ line: checked.row.line, column: 'slack_user_id', reason: `${checked.row.slackUserId} is already on line ${earlier.line}; each person once per file` }]);
      continue;
    }
    valid.set(checked.row.slackUserId, checked.row);
  }

  const counts = { imported: 0, unchanged: 0, keptSelf: 0 };
  await db.tx('contact-import', async (t) => {
    // Locked, so the rules are checked against what is stored until the import commits.
    const stored = await findContacts(t, tenantId, [...valid.keys()], { forUpdate: !options.dryRun });
    const writes: ImportedContactRow[] = [];
    // People whose number the file sets: the operator's word replaces any number still waiting for its code.
    const numbered: string[] = [];
    for (const row of valid.values()) {
      const current = stored.get(row.slackUserId);
      const inconsistent = inconsistency(current ?? null, row.changes, rules.channels);
      if (inconsistent) {
        const [field, ...reason] = inconsistent.split(': ');
        refuse([{ line: row.line, column: columnOf(field), reason: reason.join(': ') }]);
        continue;
      }
      if (current?.source === 'self' && !options.overwriteSelf) {
        counts.keptSelf++;
        continue;
      }
      if (row.changes.phone !== undefined) numbered.push(row.slackUserId);
      const next = merged(current, row.slackUserId, row.changes);
      if (sameAsStored(current, next)) counts.unchanged++;
      else writes.push(next);
    }
    counts.imported = writes.length;
    if (options.dryRun) return;
    for (let i = 0; i < writes.length; i += WRITE_BATCH) {
      await writeImportedContacts(t, tenantId, writes.slice(i, i + WRITE_BATCH), options.overwriteSelf);
    }
    await deletePendingPhones(t, tenantId, numbered);
  });
  errors.sort((a, b) => a.line - b.line);
  return { rows, ...counts, skipped: badLines.size, errors };
}
