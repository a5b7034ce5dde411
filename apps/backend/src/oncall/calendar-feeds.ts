import { createHash } from 'node:crypto';
import { sameSecret } from '../common/constant-time';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import { calendarShifts, FEED_WINDOW_MS, renderCalendarFeed } from './calendar-feed';
import type { PersonNames } from './person-names';
import { findScheduleByCalendarTokenHash } from './schedule.repository';
import type { ScheduleService } from './schedule.service';

export interface CalendarFeedsOptions {
  db: Database;
  clock: Clock;
  schedules: Pick<ScheduleService, 'compile'>;
  names: Pick<PersonNames, 'namesOf'>;
}

/** A schedule's feed, ready to serve. */
export interface CalendarFeed {
  scheduleName: string;
  body: string;
}

/**
 * The calendar feeds behind `PUBLIC_BASE_URL/calendar/<token>.ics`. The token is the only credential, so
 * every token takes the same way whatever it is: hashed, looked up by its hash (see the migration
 * calendar-token-hash), and compared in constant time; a malformed one, an unknown one, a replaced one and
 * one of a deleted schedule all come back null and cost the same.
 */
export class CalendarFeeds {
  constructor(private readonly options: CalendarFeedsOptions) {}

  /** The feed the token opens now, or null. `tenantId`: a caller bound to a tenant opens only its own feeds. */
  async feed(token: string, tenantId: string | null): Promise<CalendarFeed | null> {
    const stored = await findScheduleByCalendarTokenHash(this.options.db, createHash('sha256').update(token, 'utf8').digest());
    if (!stored || !sameSecret(token, stored.calendarToken) || (tenantId !== null && stored.tenantId !== tenantId)) return null;
    const now = this.options.clock.now();
    // The current shift is followed back to its start (up to 90 days) and the window runs 90 days ahead.
    const compiled = (await this.options.schedules.compile([stored], new Date(now.getTime() - FEED_WINDOW_MS), new Date(now.getTime() + FEED_WINDOW_MS))).get(stored.id)!;
    const shifts = calendarShifts(compiled, now);
    const names = await this.options.names.namesOf(shifts.map((shift) => shift.person));
    const body = renderCalendarFeed({ schedule: { id: stored.id, name: stored.name, timeZone: stored.schedule.timeZone }, shifts, names, now });
    return { scheduleName: stored.name, body };
  }
}
