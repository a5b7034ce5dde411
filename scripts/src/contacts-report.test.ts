import { countNewlines, formatImportReport, importExitCode, serviceKeyFor } from './contacts-report';

describe('the contacts CLI’s pure parts', () => {
  const result = { tenant_id: 'T1', dry_run: false, rows: 4, imported: 2, unchanged: 0, kept_self: 1, skipped: 1, errors: [{ line: 3, column: 'phone' as const, reason: 'the number is too short to be a phone number (2 digits)' }] };

  it('prints the counts, then each problem with its line and column', () => {
    expect(formatImportReport(result)).toEqual([
      '4 rows for tenant T1: 2 imported, 0 unchanged, 1 kept (numbers people set themselves; --overwrite-self replaces them), 1 skipped',
      '',
      'problems (fix these lines and import the file again; good rows are not written twice):',
      '  line 3, phone: the number is too short to be a phone number (2 digits)',
    ]);
    expect(formatImportReport({ ...result, dry_run: true, skipped: 0, errors: [] })[0]).toMatch(/^dry run, nothing was written: 4 rows for tenant T1: 2 to import/);
  });

  it('says how many problems were not listed when the backend listed only the first', () => {
    expect(formatImportReport({ ...result, skipped: 5 }).at(-1)).toBe('  … and 4 more skipped lines (only the first 1 problems are listed)');
  });

  it('exits 1 when any row was refused, 0 otherwise', () => {
    expect(importExitCode(result)).toBe(1);
    expect(importExitCode({ ...result, skipped: 0, errors: [] })).toBe(0);
  });

  it('picks the key bound to the tenant, else an unbound one, else none', () => {
    const keys = [
      { key: 'unbound-key-0123456789', tenantId: null },
      { key: 'acme-key-0123456789abc', tenantId: 'acme' },
    ];
    expect(serviceKeyFor(keys, 'acme')).toBe('acme-key-0123456789abc');
    expect(serviceKeyFor(keys, 'other')).toBe('unbound-key-0123456789');
    expect(serviceKeyFor([keys[1]!], 'other')).toBeNull();
  });

  it('counts the lines of a chunk', () => {
    expect(countNewlines(Buffer.from('a,b\n1,2\n3'))).toBe(2);
  });
});
