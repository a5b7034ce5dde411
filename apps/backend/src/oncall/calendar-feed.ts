import ical, { ICalCalendarMethod, ICalEventTransparency } from 'ical-generator';
import { MAX_ONCALL_WINDOW_DAYS, OVERRIDE_SOURCE } from '@klaxon/contracts';
import { DAY_MS } from '../time/zone-rules';
import type { CompiledSchedule, OnCall, OnCallSegment } from './schedule';

// A schedule's calendar feed (`PUBLIC_BASE_URL/calendar/<token>.ics`), pure: the segments it shows and their
// iCalendar text, written by ical-generator (escaping, line folding and date forms are its job, not ours).

/** How far ahead a feed reaches: the longest window `…/oncall?until=` answers. */
export const FEED_WINDOW_MS = MAX_ONCALL_WINDOW_DAYS * DAY_MS;

/**
 * How often a subscribed calendar should fetch the feed again (REFRESH-INTERVAL and X-PUBLISHED-TTL): an hour,
 * so an override made today shows up today; clients may still choose to poll less often.
 */
export const FEED_REFRESH_SECONDS = 3600;

/** A segment with someone on call: what becomes an event. */
export type OnCallShift = OnCallSegment & OnCall;

/**
 * The segments a feed shows at `now`: those of `…/oncall?at=now&until=now+90d`, except that the shift in
 * progress starts where it really started (`…/oncall?at=now`), not at `now`. A feed fetched every hour would
 * otherwise move the current event's start every time, and its UID with it. Nobody on call is no event.
 * `compiled` must know the overrides of the 90 days either side of `now`.
 */
export function calendarShifts(compiled: CompiledSchedule, now: Date): OnCallShift[] {
  const segments = compiled.shifts(now, new Date(now.getTime() + FEED_WINDOW_MS));
  const [first, ...rest] = segments;
  const current = first ? [{ ...first, start: compiled.segmentAt(now).start }] : [];
  return [...current, ...rest].filter((segment): segment is OnCallShift => segment.person !== null);
}

export interface CalendarFeedInput {
  schedule: { id: string; name: string; timeZone: string };
  shifts: readonly OnCallShift[];
  /** Slack names by user id, for the people the directory knows; the others are shown by their id. */
  names: ReadonlyMap<string, string>;
  /** When the feed is made (DTSTAMP). */
  now: Date;
}

/**
 * The feed as iCalendar text: one VEVENT per shift, times in UTC (no VTIMEZONE for a client to get wrong), the
 * person as the summary and where the shift comes from in the description. The UID is the schedule and the
 * shift's start, so a client fetching the feed again updates an event (a new person after an override, a
 * later end) instead of adding a second one; a tiling has one segment per start, so UIDs never collide.
 * Events are transparent: being on call does not make anyone busy.
 */
export function renderCalendarFeed({ schedule, shifts, names, now }: CalendarFeedInput): string {
  const calendar = ical({
    prodId: { company: 'Klaxon', product: 'on-call', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    name: `On call: ${schedule.name}`,
    description: `Who is on call for the schedule ${schedule.name} (${schedule.timeZone}), the next ${MAX_ONCALL_WINDOW_DAYS} days.`,
    ttl: FEED_REFRESH_SECONDS,
  });
  for (const shift of shifts) {
    calendar.createEvent({
      id: shiftUid(schedule.id, shift.start),
      start: shift.start,
      end: shift.end,
      stamp: now,
      summary: names.get(shift.person) ?? shift.person,
      description: [
        shift.source === OVERRIDE_SOURCE ? 'Source: override' : `Source: layer ${shift.source}`,
        `Schedule: ${schedule.name} (${schedule.timeZone})`,
        `Slack user: ${shift.person}`,
      ].join('\n'),
      transparency: ICalEventTransparency.TRANSPARENT,
    });
  }
  return calendar.toString();
}

/** Stable across fetches, token replacements and schedule edits that keep the shift's start. */
export const shiftUid = (scheduleId: string, start: Date): string => `schedule-${scheduleId}-${start.getTime()}@klaxon`;
