// The built `npm run contacts` script against the real backend listening on loopback: the CLI and the
// routes agree over HTTP. Needs `npm run build` first (npm test runs it).
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listContacts } from '../../apps/backend/src/contacts/contact.repository';
import { useCliHarness } from './cli-harness';

const cli = useCliHarness('contacts');
const dir = cli.dir;
const writeCsv = cli.writeFile;
const run = (...args: string[]) => cli.run(args);

describe('npm run contacts', () => {
  it('imports a file, prints the refused lines and exits 1, then exports what was stored', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `U${String(i).padStart(6, '0')},Person ${i},+1 415 ${String(2000000 + i).slice(0, 3)} ${String(2000000 + i).slice(3)},,,`);
    rows[9] = 'U0BAD,Bad,1234,,,';
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, `slack_user_id,name,phone,email,channels,time_zone\n${rows.join('\n')}\n`);

    const dry = await run('import', file, '--tenant', 'T-CLI', '--dry-run');
    expect(dry.stdout).toMatch(/^dry run, nothing was written: 3000 rows for tenant T-CLI: 2999 to import/);
    expect(await listContacts(cli.backend.db, 'T-CLI')).toEqual([]);

    const imported = await run('import', file, '--tenant', 'T-CLI');
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('3000 rows for tenant T-CLI: 2999 imported');
    expect(imported.stdout).toContain('  line 11, phone: the number is too short');
    // Large enough for the progress line; not a terminal, so it is printed once, with honest counts.
    expect(imported.stderr).toMatch(/uploaded \d+\.\d kB, 3001 lines; the backend is checking/);
    expect(await listContacts(cli.backend.db, 'T-CLI')).toHaveLength(2999);

    const out = path.join(dir, 'export.csv');
    const exported = await run('export', '--tenant', 'T-CLI', '--out', out);
    expect(exported).toMatchObject({ code: 0, stderr: expect.stringContaining('wrote 2999 contacts of tenant T-CLI') });
    expect(readFileSync(out, 'utf8')).toContain('\nU000000,Person 0,+14152000000,,whatsapp;voice;sms,\n');

    const again = await run('import', out, '--tenant', 'T-CLI');
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('0 imported, 2999 unchanged') });
  });

  it('leaves the exported file readable by its owner only, even when it replaces a world-readable one', async () => {
    await run('import', writeCsv('private.csv', 'slack_user_id,phone\nU0PRIVATE,+14155550188\n'), '--tenant', 'T-PRIVATE');
    const out = path.join(dir, 'shared.csv');
    writeFileSync(out, 'an older export\n', { mode: 0o644 });
    chmodSync(out, 0o644); // whatever the umask
    expect(await run('export', '--tenant', 'T-PRIVATE', '--out', out)).toMatchObject({ code: 0 });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toContain('\nU0PRIVATE,,+14155550188,');
  });

  it('explains itself with --help and refuses a call without a tenant', async () => {
    expect((await run('--help')).stdout).toContain('numbers and email addresses are in\n      full'.replace('numbers', 'Numbers'));
    const bad = await run('import', 'x.csv');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tenant is required');
  });
});
