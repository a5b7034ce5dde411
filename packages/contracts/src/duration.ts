/**
 * Durations as Prometheus writes them (`30s`, `5m`, `1h`, `1d`, `1w`, and compounds such as `1h30m` or
 * `1w3d`: whole numbers, units largest first, each unit once). Two kinds, because a schedule needs both:
 *
 * - `calendar` (`d`, `w`): whole days on the wall clock. A `1d` shift that starts at 09:00 ends at 09:00 the
 *   next day, 23 or 25 hours later when daylight saving time changes in between.
 * - `elapsed` (`h`, `m`, `s`): time as a stopwatch counts it. An `8h` shift is always 8 hours long.
 *
 * One duration is never both: `1d12h` is refused, since it would move a hand-off by an hour twice a year in
 * a way nobody asked for (write `36h` for elapsed time). Prometheus' `y` and `ms` are refused too: a year has
 * no fixed length in days, and nothing on call is scheduled to the millisecond.
 */
export type Duration = { readonly kind: 'calendar'; readonly days: number } | { readonly kind: 'elapsed'; readonly seconds: number };

export type ParsedDuration = { ok: true; duration: Duration } | { ok: false; reason: string };

/** The longest duration taken: a rotation or a wait longer than a year is a typo, not a plan. */
export const MAX_DURATION_DAYS = 364;

const DAY_SECONDS = 24 * 60 * 60;
const UNIT_SECONDS = { w: 7 * DAY_SECONDS, d: DAY_SECONDS, h: 60 * 60, m: 60, s: 1 } as const;
type Unit = keyof typeof UNIT_SECONDS;
// Largest first: the only order Prometheus accepts, and the order the canonical form is written in.
const UNITS = Object.keys(UNIT_SECONDS) as Unit[];
const CALENDAR_UNITS: readonly Unit[] = ['w', 'd'];
const EXAMPLES = 'such as 30s, 5m, 1h30m, 1d or 1w';
const TERM = /(\d+)([A-Za-z]*)/y;

/** `"1h30m"` → `{kind: 'elapsed', seconds: 5400}`; a refusal says what is wrong with the text. */
export function parseDuration(text: string): ParsedDuration {
  const refuse = (reason: string): ParsedDuration => ({ ok: false, reason });
  if (text === '') return refuse(`empty: write a duration ${EXAMPLES}`);
  if (text.length > 32) return refuse('too long to be a duration');
  if (/^-\d/.test(text)) return refuse(`"${text}" is negative: a duration is a length of time ${EXAMPLES}`);

  const counts = new Map<Unit, number>();
  let lastUnit = -1;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const match = TERM.exec(text);
    const [, digits = '', unit = ''] = match ?? [];
    // A number with no unit is only a missing unit at the very end (`30`); anywhere else (`1.5h`, `1h 30m`) the text is not a duration.
    if (match === null || (unit === '' && TERM.lastIndex < text.length)) {
      return refuse(`"${text}" is not a duration: write whole numbers with units, largest first, ${EXAMPLES}`);
    }
    if (unit === '') return refuse(`"${text}" has no unit: write ${digits}s, ${digits}m, ${digits}h, ${digits}d or ${digits}w`);
    if (!isUnit(unit)) return refuse(`unknown unit "${unit}" in "${text}": use s, m, h, d or w`);
    const position = UNITS.indexOf(unit);
    if (position <= lastUnit) return refuse(`units out of order in "${text}": largest first, each once, such as 1h30m or 1w3d`);
    lastUnit = position;
    counts.set(unit, Number(digits));
  }

  const calendar = CALENDAR_UNITS.some((unit) => counts.has(unit));
  const elapsed = UNITS.some((unit) => !CALENDAR_UNITS.includes(unit) && counts.has(unit));
  if (calendar && elapsed) {
    return refuse(`"${text}" mixes days with hours, minutes or seconds: use whole days and weeks (1d, 1w), which keep the wall-clock time, or elapsed time alone (such as 36h)`);
  }
  const seconds = [...counts].reduce((sum, [unit, count]) => sum + count * UNIT_SECONDS[unit], 0);
  if (seconds === 0) return refuse(`"${text}" is zero: a duration must last some time`);
  if (seconds > MAX_DURATION_DAYS * DAY_SECONDS) return refuse(`"${text}" is longer than ${MAX_DURATION_DAYS / 7}w, the longest duration taken`);
  return { ok: true, duration: calendar ? { kind: 'calendar', days: seconds / DAY_SECONDS } : { kind: 'elapsed', seconds } };
}

/**
 * The canonical text of a duration, largest units first (`1w3d`, `1h30m`, `90s` → `1m30s`). Elapsed time is
 * never written in days (`48h` stays `48h`), so the text always parses back to the same kind.
 */
export function formatDuration(duration: Duration): string {
  const units: readonly Unit[] = duration.kind === 'calendar' ? CALENDAR_UNITS : ['h', 'm', 's'];
  let rest = duration.kind === 'calendar' ? duration.days * DAY_SECONDS : duration.seconds;
  let text = '';
  for (const unit of units) {
    const count = Math.floor(rest / UNIT_SECONDS[unit]);
    rest -= count * UNIT_SECONDS[unit];
    if (count > 0) text += `${count}${unit}`;
  }
  return text;
}

/**
 * The duration as elapsed milliseconds, a calendar day counted as 24 hours: what a wait such as
 * `escalate_after: 1d` means. Schedules never use this for `d` and `w` shifts, which follow the wall clock.
 */
export function durationMilliseconds(duration: Duration): number {
  return (duration.kind === 'calendar' ? duration.days * DAY_SECONDS : duration.seconds) * 1000;
}

const isUnit = (text: string): text is Unit => Object.hasOwn(UNIT_SECONDS, text);
