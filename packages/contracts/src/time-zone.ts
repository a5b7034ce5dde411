/**
 * The canonical spelling of an IANA time zone (`europe/berlin` → `Europe/Berlin`, `utc` → `UTC`), or null
 * when it is none. The zone list is the runtime's own (ICU), the one quiet hours are computed with.
 * Offsets (`+01:00`) are refused: they ignore daylight saving time, which is what quiet hours need.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z]/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export const isValidTimeZone = (name: string): boolean => canonicalTimeZone(name) !== null;
