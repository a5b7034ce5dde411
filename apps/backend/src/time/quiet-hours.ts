import { DateTime, IANAZone } from 'luxon';

// Pure: no I/O and no clock of its own; `now` is always the caller's.

/** A contact's quiet period, as they gave it: local wall-clock times in their IANA time zone. */
export interface QuietHours {
  /** `HH:MM`, 24-hour, local. */
  start: string;
  /** `HH:MM`, local; earlier than `start` means the period crosses midnight (22:00–07:00). */
  end: string;
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `"22:00"` → 1320 minutes after midnight; null unless exactly `HH:MM` between 00:00 and 23:59. */
export function parseClock(text: string): number | null {
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

// Only geographic names (Area/Location), each part capitalised as IANA spells it, plus UTC. Bare
// abbreviations are refused although the zone database knows them, because they mislead: `EST` is
// fixed UTC−5 all year (a New Yorker would be an hour off all summer), `CET` is now a link to
// Europe/Brussels, `GMT` never follows London's summer time, and `Etc/GMT+5` means UTC−5.
const GEOGRAPHIC_ZONE =
  /^(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)(?:\/[A-Z][A-Za-z0-9_+-]*)+$/;

/**
 * True for a geographic IANA zone the runtime knows (`Europe/Berlin`, `America/Argentina/Salta`,
 * links such as `Asia/Calcutta` included) or `UTC`; false for abbreviations (`CET`, `EST`, `GMT`),
 * `Etc/*`, legacy `US/*` names, offsets (`+05:30`) and lower-case spellings (`europe/berlin`).
 */
export function isValidTimeZone(name: string): boolean {
  return (name === 'UTC' || GEOGRAPHIC_ZONE.test(name)) && IANAZone.isValidZone(name);
}

/**
 * The Slack form `22:00-07:00` (a hyphen or an en dash, spaces around it allowed) → the stored
 * strings, or null. Equal ends are refused: "no quiet hours" is said by clearing them, and a typo
 * such as `22:00-22:00` should not silently mean either nothing or all day.
 */
export function parseQuietRange(text: string): { start: string; end: string } | null {
  const match = /^\s*(\d\d:\d\d)\s*[-–]\s*(\d\d:\d\d)\s*$/.exec(text);
  const start = match?.[1];
  const end = match?.[2];
  if (start === undefined || end === undefined) return null;
  const startMinutes = parseClock(start);
  const endMinutes = parseClock(end);
  if (startMinutes === null || endMinutes === null || startMinutes === endMinutes) return null;
  return { start, end };
}

/**
 * The instant the quiet period that contains `now` ends, or null when `now` is not in quiet hours.
 *
 * Each local day D has one period, from `start` on D to `end` on D (start < end) or on D + 1
 * (start > end, it crosses midnight): quiet means start ≤ now < end, as instants. Wall-clock times
 * become instants in the contact's zone on that day (see `zonedInstant`): a time skipped by a
 * spring-forward change means the first instant after the gap, a time repeated by a fall-back
 * change means its first occurrence. So a period that ends at 02:30 on a fall-back night ends at
 * the first 02:30, and the repeated half hour is not quiet; one that starts at 02:30 that night is
 * quiet through the repeated half hour, as it has started and not yet ended.
 *
 * Null, never an exception, when `quiet` is null, start equals end (no quiet period), or the stored
 * values cannot be read (a malformed clock, an unknown zone): a page is never held on data we
 * cannot interpret. Callers validate at write time with `parseClock` and `isValidTimeZone`.
 */
export function quietUntil(quiet: QuietHours | null, now: Date): Date | null {
  if (quiet === null) return null;
  const start = parseClock(quiet.start);
  const end = parseClock(quiet.end);
  if (start === null || end === null || start === end || !IANAZone.isValidZone(quiet.timeZone)) return null;
  const zone = IANAZone.create(quiet.timeZone);
  const at = now.getTime();
  // The local date of `now` as a UTC midnight, so days are added by calendar, not by instants.
  const local = DateTime.fromMillis(at, { zone });
  const today = Date.UTC(local.year, local.month - 1, local.day);
  const crossesMidnight = start > end;
  // Periods are disjoint and ordered, so at most one of these contains `now`. It is D's or D − 1's;
  // D + 1 only if a fall-back across midnight took the local date back (no zone does this today).
  for (const day of [today - DAY_MS, today, today + DAY_MS]) {
    const from = zonedInstant(zone, day + start * MINUTE_MS);
    const until = zonedInstant(zone, day + (crossesMidnight ? DAY_MS : 0) + end * MINUTE_MS);
    if (from <= at && at < until) return new Date(until);
  }
  return null;
}

/**
 * The instant of a local wall-clock time (given as if it were UTC, `wall`) in `zone`.
 *
 * luxon's own choice differs from ours on both DST edges (it moves a skipped 02:30 by the size of
 * the jump, to 03:30, and takes the later occurrence of a repeated time), so the offsets are
 * resolved here: a time that exists once is exact; a repeated one takes its first occurrence;
 * a skipped one takes the first instant after the gap, i.e. the moment of the change. Assumes at
 * most one offset change within a day of `wall`, which holds for every zone in use.
 */
function zonedInstant(zone: IANAZone, wall: number): number {
  const offsetBefore = zone.offset(wall - DAY_MS) * MINUTE_MS;
  const offsetAfter = zone.offset(wall + DAY_MS) * MINUTE_MS;
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter(
    (instant) => instant + zone.offset(instant) * MINUTE_MS === wall,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // In the gap: `wall - offsetAfter` still reads the old offset, `wall - offsetBefore` already the
  // new one; the change lies between them. Search it to the millisecond.
  let low = wall - offsetAfter;
  let high = wall - offsetBefore;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle) * MINUTE_MS === offsetAfter) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * `07:00 Europe/Berlin`: how a held page says when it will go. The end is always within about a
 * day of now, so the local time alone is unambiguous enough; an unknown zone is shown in UTC.
 */
export function describeQuietEnd(until: Date, timeZone: string): string {
  const zone = IANAZone.isValidZone(timeZone) ? timeZone : 'UTC';
  return `${DateTime.fromMillis(until.getTime(), { zone }).toFormat('HH:mm')} ${zone}`;
}
