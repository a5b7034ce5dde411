import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONTACT_CSV_COLUMNS, type ContactImportDto } from '@klaxon/contracts';
import { backendClient, callBackend, readRefusal, toolEnvironment, type BackendClient } from './backend-call';
import { countNewlines, formatBytes, formatImportReport, importExitCode } from './contacts-report';
import { writePrivateFile } from './private-file';

const HELP = `npm run contacts -- <import|export> [options] — the contact directory of a tenant, as CSV, on a running backend.

  npm run contacts -- import people.csv --tenant T024BE7LD [--dry-run] [--overwrite-self]
      Uploads the file (columns ${CONTACT_CSV_COLUMNS.join(',')}; header line required; channels separated by ";").
      Valid rows are written in one transaction, the others are listed by line and column; the exit code is 1
      when any row was refused. --dry-run checks and counts without writing. Numbers people set themselves
      (/alert phone) are kept unless --overwrite-self; numbers copied from Slack profiles are replaced.

  npm run contacts -- export --tenant T024BE7LD [--out people.csv]
      Writes the directory in the same format (to stdout without --out). Numbers and email addresses are in
      full: it is the operator's own data, for backups and edits. --out writes a new file readable by you
      only (mode 0600) that replaces any file of that name; keep it private. A name or address starting
      with = + - or @ is written with a leading ' so a spreadsheet shows it instead of running it as a
      formula; import removes that quote again.

  Options:
    --tenant <id>   the tenant (Slack team id); required
    --url <url>     the backend (default BACKEND_URL, else http://127.0.0.1:5002)

  Authenticates with a key from INTERNAL_SERVICE_KEYS (one bound to the tenant, else an unbound one), read from
  the environment, .env, or .data/dev-secrets.json (what npm start generated).`;

// Below this, the upload takes no time worth watching.
const PROGRESS_FROM_BYTES = 64 * 1024;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      url: { type: 'string' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'overwrite-self': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file] = positionals;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const usage = (problem: string) => {
    console.error(`contacts: ${problem}\n\n${HELP}`);
    return 2;
  };
  if (command !== 'import' && command !== 'export') return usage('say import or export');
  if (!values.tenant) return usage('--tenant is required');
  if (command === 'import' && !file) return usage('name the CSV file to import');

  const client = backendClient(toolEnvironment(), values.tenant, values.url);

  return command === 'import'
    ? importFile(client, file!, { dryRun: values['dry-run'], overwriteSelf: values['overwrite-self'] })
    : exportTo(client, values.out);
}

async function importFile(client: BackendClient, file: string, options: { dryRun: boolean; overwriteSelf: boolean }): Promise<number> {
  const size = statSync(file).size;
  const progress = new UploadProgress(size);
  const query = new URLSearchParams({ tenant_id: client.tenant, ...(options.dryRun ? { dry_run: 'true' } : {}), ...(options.overwriteSelf ? { overwrite: 'self' } : {}) });
  // Streamed: the counts on the progress line are bytes and lines really handed to the connection.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(file)) {
      progress.sent(chunk as Buffer);
      yield chunk as Buffer;
    }
    progress.uploaded();
  }
  const response = await callBackend(client, `/contacts/import?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', 'content-length': String(size) },
    body: chunks() as unknown as RequestInit['body'],
    duplex: 'half',
  } as RequestInit);
  progress.done();
  if (!response.ok) return failed(response);
  const result = (await response.json()) as ContactImportDto;
  for (const line of formatImportReport(result)) console.log(line);
  return importExitCode(result);
}

async function exportTo(client: BackendClient, out: string | undefined): Promise<number> {
  const response = await callBackend(client, `/contacts/export?${new URLSearchParams({ tenant_id: client.tenant })}`, { method: 'GET' });
  if (!response.ok) return failed(response);
  const csv = await response.text();
  const contacts = Math.max(0, csv.split('\n').filter(Boolean).length - 1);
  if (!out) {
    process.stdout.write(csv);
    return 0;
  }
  // Owner-only, even over an existing file: it holds everyone's number in full.
  writePrivateFile(out, csv);
  console.error(`wrote ${contacts} contacts of tenant ${client.tenant} to ${out} (numbers in full: keep it private)`);
  return 0;
}

async function failed(response: Response): Promise<number> {
  console.error(`contacts: the backend answered HTTP ${response.status}: ${(await readRefusal(response)).detail}`);
  return 1;
}

/** One line on stderr, rewritten on a terminal, for files large enough to take a moment. */
class UploadProgress {
  private bytes = 0;
  private lines = 0;
  private lastDraw = 0;
  private readonly shown: boolean;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly total: number) {
    this.shown = total >= PROGRESS_FROM_BYTES;
  }

  sent(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.lines += countNewlines(chunk);
    const now = Date.now();
    if (this.shown && this.tty && now - this.lastDraw > 100) {
      this.lastDraw = now;
      process.stderr.write(`\ruploading: ${formatBytes(this.bytes)} of ${formatBytes(this.total)}, ${this.lines} lines`);
    }
  }

  uploaded(): void {
    if (!this.shown) return;
    const line = `uploaded ${formatBytes(this.bytes)}, ${this.lines} lines; the backend is checking and storing the rows…`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(): void {
    if (this.shown && this.tty) process.stderr.write('\n');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`contacts: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
