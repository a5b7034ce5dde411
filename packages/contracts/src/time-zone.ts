/**
 * The canonical spelling of an IANA time zone (`europe/berlin` → `Europe/Berlin`, `utc` → `UTC`), or null
 * when it is none. The zone list is the runtime's own (ICU), the one quiet hours are computed with.
 * Offsets (`+01:00`) are refused: they ignore daylight saving time, which is what quiet hours need.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z]/.test(name)) return null;
  const known = canonical.get(name);
  if (known !== undefined) return known;
  let zone: string | null;
  try {
    zone = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    zone = null;
  }
  // Bounded: the names come from callers, and there are only a few hundred real zones.
  if (canonical.size >= MAX_REMEMBERED_ZONES) canonical.clear();
  canonical.set(name, zone);
  return zone;
}

// Building a DateTimeFormat costs about a quarter of a millisecond: a 10,000-row contact import checks
// the same few zones thousands of times.
const canonical = new Map<string, string | null>();
const MAX_REMEMBERED_ZONES = 2000;

export const isValidTimeZone = (name: string): boolean => canonicalTimeZone(name) !== null;
