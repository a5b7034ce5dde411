import type { ServiceKey } from '@klaxon/config';
import type { ContactImportDto } from '@klaxon/contracts';

/** The key to act for `tenant` with: one bound to it, else an unbound one; null when neither is configured. */
export function serviceKeyFor(keys: readonly ServiceKey[], tenant: string): string | null {
  return (keys.find((k) => k.tenantId === tenant) ?? keys.find((k) => k.tenantId === null))?.key ?? null;
}

/** Newlines in a chunk: the progress line counts lines sent as it uploads. */
export function countNewlines(chunk: Uint8Array): number {
  let count = 0;
  for (const byte of chunk) if (byte === 0x0a) count++;
  return count;
}

/** `12.3 kB` / `1.4 MB`. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

/** What the operator reads after an import: the counts, then one line per problem, by line number. */
export function formatImportReport(result: ContactImportDto): string[] {
  const lines = [
    `${result.dry_run ? 'dry run, nothing was written: ' : ''}${result.rows} rows for tenant ${result.tenant_id}: ` +
      `${result.imported} ${result.dry_run ? 'to import' : 'imported'}, ${result.unchanged} unchanged, ` +
      `${result.kept_self} kept (numbers people set themselves; --overwrite-self replaces them), ${result.skipped} skipped`,
  ];
  if (result.errors.length > 0) {
    lines.push('', 'problems (fix these lines and import the file again; good rows are not written twice):');
    for (const error of result.errors) lines.push(`  line ${error.line}${error.column ? `, ${error.column}` : ''}: ${error.reason}`);
    const listed = new Set(result.errors.map((e) => e.line)).size;
    if (listed < result.skipped) lines.push(`  … and ${result.skipped - listed} more skipped lines (only the first ${result.errors.length} problems are listed)`);
  }
  return lines;
}

/** 0 when every row went in (or would), 1 when any was refused: scripts can tell. */
export const importExitCode = (result: ContactImportDto): number => (result.skipped > 0 ? 1 : 0);
