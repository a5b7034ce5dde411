import { WEEKDAYS, type Weekday } from '@klaxon/contracts';
import { parseClock } from '../time/quiet-hours';
import { DAY_MS, MINUTE_MS, type ZoneRules } from '../time/zone-rules';

/**
 * Duty hours of a layer: `[from, to)` (`HH:MM`, the schedule's zone) starting on each of `days`. `to` at or
 * before `from` ends on the next day (`22:00`–`06:00`), so `to` equal to `from` is 24 hours of wall clock.
 */
export interface Restriction {
  readonly days: readonly Weekday[];
  readonly from: string;
  readonly to: string;
}

export interface DutyHours {
  onDutyAt(instant: number): boolean;
  /** Every instant in (from, until) at which a window opens or closes, in no order. */
  changesIn(from: number, until: number): number[];
}

/** Minutes after the midnight that starts the window's day; `to` past 1440 ends on the next day. */
interface Window {
  readonly from: number;
  readonly to: number;
}

const ALWAYS: DutyHours = { onDutyAt: () => true, changesIn: () => [] };
// 1970-01-01, local day 0, was a Thursday: WEEKDAYS[3].
const THURSDAY = 3;

/**
 * A layer without restrictions is always on duty. With them it is on duty exactly inside their windows,
 * compared as instants: each end is placed in time as ZoneRules.toInstant places any wall-clock time (a
 * skipped time is the moment of the change, a repeated one its first occurrence). A window wholly inside a
 * skipped hour is empty. Windows of one layer may overlap: on duty in any of them.
 */
export function compileRestrictions(restrict: readonly Restriction[] | undefined, zone: ZoneRules): DutyHours {
  if (restrict === undefined) return ALWAYS;
  const windowsOn: Window[][] = WEEKDAYS.map(() => []);
  for (const restriction of restrict) {
    const from = minutesOf(restriction.from);
    const until = minutesOf(restriction.to);
    const window = { from, to: until <= from ? until + 24 * 60 : until };
    for (const day of restriction.days) windowsOn[WEEKDAYS.indexOf(day)]?.push(window);
  }
  const windowsOf = (localDay: number) => windowsOn[(((localDay + THURSDAY) % 7) + 7) % 7] ?? [];
  const edge = (localDay: number, minutes: number) => zone.toInstant(localDay * DAY_MS + minutes * MINUTE_MS);

  return {
    onDutyAt(instant) {
      const today = Math.floor(zone.toWall(instant) / DAY_MS);
      // A window reaches at most into the day after its own. Tomorrow's is looked at too for a zone whose
      // clocks fall back across midnight (00:30 → 23:30): the date goes back, and an instant showing today
      // can follow the first occurrence of tomorrow's early minutes.
      for (const day of [today - 1, today, today + 1]) {
        for (const window of windowsOf(day)) {
          if (edge(day, window.from) <= instant && instant < edge(day, window.to)) return true;
        }
      }
      return false;
    },
    changesIn(from, until) {
      const changes: number[] = [];
      const lastDay = Math.floor(zone.toWall(until) / DAY_MS) + 1;
      for (let day = Math.floor(zone.toWall(from) / DAY_MS) - 2; day <= lastDay; day++) {
        for (const window of windowsOf(day)) {
          for (const change of [edge(day, window.from), edge(day, window.to)]) if (from < change && change < until) changes.push(change);
        }
      }
      return changes;
    },
  };
}

function minutesOf(clock: string): number {
  const minutes = parseClock(clock);
  if (minutes === null) throw new RangeError(`"${clock}" is not a time of day HH:MM`);
  return minutes;
}
