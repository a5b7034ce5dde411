/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when there is nothing to rank. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}

/** Middle value (mean of the two middle ones for an even count): one noisy round cannot move it much. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  // Not `a - b`: Infinity - Infinity is NaN, which would leave "never" runs unsorted.
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `ratio(a, b)` = a / b, or NaN when the baseline is missing or zero (printed as "n/a", never Infinity). */
export function ratio(value: number, baseline: number): number {
  return Number.isFinite(value) && Number.isFinite(baseline) && baseline > 0 ? value / baseline : Number.NaN;
}

/** Plain-text table: text columns left-aligned, numeric-looking ones right-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[\d.,x%-]+$|^n\/a$/.test(row[column] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Requests (or lookups) per second, whole and with thousands separators; "n/a" when there is no rate. */
export function formatRate(perSecond: number): string {
  return Number.isFinite(perSecond) ? Math.round(perSecond).toLocaleString('en-US') : 'n/a';
}

/** A latency as the end-to-end table reads best: "85 ms", "3.4 s", or "never" for a page that did not arrive. */
export function formatLatency(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'never';
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(2) : 'n/a';
}
