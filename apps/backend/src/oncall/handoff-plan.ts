import { DateTime } from 'luxon';
import { DAY_MS } from '../time/zone-rules';
import { stretchOf } from './oncall-stretch';
import type { OnCallSegment } from './schedule';

// Hand-off notices, pure: which hand-offs a run of segments holds, which of their notices are due in a
// window, and what the notice says. No clock of its own: "now" is the caller's.

/** `start`: when the shift starts; `day_before`: a day earlier. */
export type NoticeKind = 'start' | 'day_before';
export const NOTICE_KINDS: readonly NoticeKind[] = ['start', 'day_before'];

/** Someone takes over (from someone else, or from nobody) at `start`, until someone else or nobody does. */
export interface Handoff {
  person: string;
  start: Date;
  /** Null when nobody takes over within the segments given. */
  until: Date | null;
}

export interface DueNotice extends Handoff {
  kind: NoticeKind;
  /** When it should go out: the start, or a day before it. */
  due: Date;
}

/**
 * The hand-offs in `segments` (a tiling, as CompiledSchedule.shifts gives one): every segment that starts with
 * another person than the one before, or after nobody. A change of source alone (a layer, then an override of
 * the same person) is no hand-off, and the first segment is not one either: it starts at the window's edge,
 * where the person before is not known.
 */
export function handoffsIn(segments: readonly OnCallSegment[]): Handoff[] {
  const handoffs: Handoff[] = [];
  segments.forEach((segment, index) => {
    if (index === 0 || segment.person === null || segment.person === segments[index - 1]!.person) return;
    handoffs.push({ person: segment.person, start: segment.start, until: stretchOf(segments.slice(index)).until });
  });
  return handoffs;
}

export const dueOf = (kind: NoticeKind, start: Date): Date => (kind === 'start' ? start : new Date(start.getTime() - DAY_MS));

/**
 * The notices of `handoffs` due in `(now - lateMs, now + aheadMs]`: a notice is planned a little ahead (so its
 * job is queued before it is due), and one whose moment passed less than `lateMs` ago is still worth sending
 * (a backend that was restarted over it); an older one would only confuse.
 */
export function noticesDue(handoffs: readonly Handoff[], now: Date, { aheadMs, lateMs }: { aheadMs: number; lateMs: number }): DueNotice[] {
  const from = now.getTime() - lateMs;
  const until = now.getTime() + aheadMs;
  return handoffs.flatMap((handoff) =>
    NOTICE_KINDS.map((kind) => ({ ...handoff, kind, due: dueOf(kind, handoff.start) })).filter(({ due }) => due.getTime() > from && due.getTime() <= until),
  );
}

export interface NoticeWords {
  kind: NoticeKind;
  start: Date;
  until: Date | null;
  timeZone: string;
  /** The services paged through the schedule; none: the schedule is named instead. */
  services: readonly string[];
  schedule: string;
}

const WEEK_MS = 7 * DAY_MS;

/**
 * "You're on call for payments from Mon 09:00 to Mon 09:00 Europe/Berlin." — in the schedule's zone, as its
 * hand-offs are written. A weekday is enough within a week; a longer stretch (or one with no end in sight)
 * names the dates.
 */
export function handoffText({ kind, start, until, timeZone, services, schedule }: NoticeWords): string {
  const at = (instant: Date, format: string) => DateTime.fromJSDate(instant, { zone: timeZone }).setLocale('en-GB').toFormat(format);
  const format = until !== null && until.getTime() - start.getTime() <= WEEK_MS ? 'ccc HH:mm' : 'ccc d LLL HH:mm';
  const what = services.length > 0 ? listed(services) : `the ${schedule} schedule`;
  const when = until === null ? `from ${at(start, format)} ${timeZone} until further notice` : `from ${at(start, format)} to ${at(until, format)} ${timeZone}`;
  return `${kind === 'day_before' ? 'Tomorrow you’re' : 'You’re'} on call for ${what} ${when}.`;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
