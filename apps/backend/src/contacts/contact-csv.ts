import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { CONTACT_CSV_COLUMNS, type ContactCsvColumn } from '@klaxon/contracts';
import { ValidationError } from '../common/errors';
import type { Contact } from './contact';

/** A data row of the file: its cells by column (columns absent from the header are absent here). */
export interface CsvContactRow {
  line: number;
  cells: Partial<Record<ContactCsvColumn, string>>;
}

/** A line csv-parse could not read as a record (a stray quote, a wrong number of cells). */
export interface CsvLineError {
  line: number;
  reason: string;
}

export type CsvItem = { row: CsvContactRow } | { error: CsvLineError };

const COLUMN_LIST = CONTACT_CSV_COLUMNS.join(',');

/** Reads the header: known columns only, each once, `slack_user_id` among them; a 422 otherwise. */
function headerColumns(record: string[]): ContactCsvColumn[] {
  const names = record.map((name) => name.trim().toLowerCase());
  const known = new Set<string>(CONTACT_CSV_COLUMNS);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new ValidationError(`header: unknown column ${unknown.map((n) => `"${n}"`).join(', ')}; the columns are ${COLUMN_LIST}`);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new ValidationError(`header: column "${twice}" appears twice`);
  if (!names.includes('slack_user_id')) throw new ValidationError(`header: the first line must be a header naming slack_user_id (columns: ${COLUMN_LIST})`);
  return names as ContactCsvColumn[];
}

/**
 * Streams the rows of a contact CSV with their line numbers (the header is line 1). A line that is not a
 * well-formed record is yielded as an error and reading goes on, so one stray quote costs one row, not
 * the file. A missing or wrong header throws a ValidationError before any row is yielded.
 */
export async function* readContactCsv(input: Readable | string): AsyncGenerator<CsvItem> {
  const parser = parse({ bom: true, info: true, skip_empty_lines: true, skip_records_with_error: true, relax_quotes: false });
  const skipped: CsvLineError[] = [];
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    // One line may break more than one rule; its first problem is the one to fix.
    const line = error.lines ?? 0;
    if (skipped.at(-1)?.line !== line) skipped.push({ line, reason: `not a well-formed CSV record: ${error.message}` });
  });
  if (typeof input === 'string') parser.end(input);
  else input.pipe(parser);

  let columns: ContactCsvColumn[] | null = null;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield* skipped.splice(0).map((error) => ({ error }));
    if (!columns) {
      columns = headerColumns(record);
      continue;
    }
    const cells: CsvContactRow['cells'] = {};
    columns.forEach((column, i) => {
      const value = record[i]?.trim() ?? '';
      // An empty cell keeps what is stored, as a field left out of PUT /contacts does.
      if (value !== '') cells[column] = withoutFormulaGuard(value);
    });
    yield { row: { line: info.lines, cells } };
  }
  yield* skipped.splice(0).map((error) => ({ error }));
  if (!columns) throw new ValidationError(`body: the CSV is empty; its first line must be the header (${COLUMN_LIST})`);
}

/** The channels cell: names separated by `;`, `|`, spaces or commas (`whatsapp;voice`). */
export const splitChannels = (cell: string): string[] => cell.split(/[;|,\s]+/).filter(Boolean);
const CHANNEL_SEPARATOR = ';';

function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

// OWASP's CSV injection advice: a spreadsheet runs a cell starting with = + - @ (or tab, CR) as a formula, and
// a leading ' makes it text. Names come from Slack display names, which anyone chooses, so the export guards
// every such cell. A value that already starts with quotes before one of those characters gets one more
// quote, so reading a guarded cell back only ever removes the one the export added: export → import is exact.
const FORMULA_START = /^'*[=+\-@\t\r]/;
const GUARDED_FORMULA = /^'+[=+\-@\t\r]/;

/** The cell as text a spreadsheet will not evaluate: `=SUM(A1)` → `'=SUM(A1)`. */
export const guardFormula = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

/** The value of a cell written by guardFormula (or by a person who typed the quote in a spreadsheet). */
export const withoutFormulaGuard = (cell: string): string => (GUARDED_FORMULA.test(cell) ? cell.slice(1) : cell);

// A stored number is E.164 (normalizePhone): its leading + is a number to a spreadsheet, never a formula, and
// the file stays in the format people write by hand.
const UNGUARDED_COLUMNS: ReadonlySet<ContactCsvColumn> = new Set(['phone']);

/** The directory as CSV in the import's own format (numbers and addresses in full), header first. */
export function* contactsToCsv(contacts: Iterable<Contact>): Generator<string> {
  yield `${COLUMN_LIST}\n`;
  for (const contact of contacts) {
    const cells: Record<ContactCsvColumn, string | null> = {
      slack_user_id: contact.slackUserId,
      name: contact.name,
      phone: contact.phone,
      email: contact.email,
      channels: contact.channels.join(CHANNEL_SEPARATOR),
      time_zone: contact.timeZone,
    };
    const cell = (column: ContactCsvColumn) => {
      const value = cells[column];
      return csvField(value === null || UNGUARDED_COLUMNS.has(column) ? value : guardFormula(value));
    };
    yield `${CONTACT_CSV_COLUMNS.map(cell).join(',')}\n`;
  }
}
