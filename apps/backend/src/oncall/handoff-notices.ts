import type { Logger } from '@klaxon/logger';
import { MAX_ONCALL_WINDOW_DAYS } from '@klaxon/contracts';
import type { DirectMessenger } from '../channels/direct-messenger';
import { NotifyError } from '../channels/notify-error';
import type { Database } from '../db/database';
import { addJobs, handoffNoticeJobKey, jobSpec, type JobPayloads } from '../jobs/job-queue';
import { queueNow } from '../jobs/keyed-jobs.repository';
import type { Clock } from '../time/clock';
import { DAY_MS } from '../time/zone-rules';
import { claimNotice, forgetNoticesBefore, recordedNotices, releaseNotice, servicesUsingSchedule, settleNotice, type NoticeKey } from './handoff-notice.repository';
import { dueOf, handoffsIn, handoffText, noticesDue, type NoticeKind } from './handoff-plan';
import { findScheduleById, listAllSchedules } from './schedule.repository';
import type { ScheduleService } from './schedule.service';

/** How often each backend plans (real time, like the delivery sweeper). */
export const PLAN_EVERY_MS = 5 * 60_000;
/** A notice's job is queued this long before it is due: three plans, so a plan that fails or runs late misses nothing. */
export const PLAN_AHEAD_MS = 3 * PLAN_EVERY_MS;
/** A notice more than an hour late (every backend was down when it was due) is not sent: it would only confuse. */
export const LATE_LIMIT_MS = 60 * 60_000;
/** A claim this old is a sender that died between claiming and settling: the job's retry may take it over. */
const CLAIM_STALE_MS = 10 * 60_000;
/** graphile-worker waits e^n s before attempt n+1: 8 attempts span about half an hour of Slack trouble. */
const NOTICE_ATTEMPTS = 8;
/** Rows of notices are kept a week for a look back; the planner needs none older than LATE_LIMIT_MS. */
const KEEP_NOTICES_MS = 7 * DAY_MS;
const WINDOW_MS = MAX_ONCALL_WINDOW_DAYS * DAY_MS;

export interface HandoffNoticesOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  schedules: Pick<ScheduleService, 'compile'>;
  messenger: DirectMessenger;
  /** Between two plans; PLAN_EVERY_MS unless given. */
  planEveryMs?: number;
}

/** A notice the planner queued a job for. */
export interface PlannedNotice extends NoticeKey {
  due: Date;
}

export type NoticeOutcome = 'sent' | 'failed' | 'not_sent';

/**
 * Hand-off notices: a Slack DM to each person when their shift starts, and a day before it.
 *
 * Planned ahead: every PLAN_EVERY_MS each backend works out, for every schedule, the hand-offs of the next day
 * and a quarter of an hour, and queues a `handoff-notice` job for each notice due within PLAN_AHEAD_MS, to run
 * when it is due. The job is keyed by schedule, person, shift start and kind, so planning it again (the next
 * plan, another backend, a restart) replaces the waiting job instead of adding one, and a notice already in
 * `handoff_notices` is not queued again.
 *
 * Sent once: the job checks the schedule as it is then (overrides included) still hands over to that person
 * at that instant, and claims the notice's row before writing to Slack; a second job for the same notice finds
 * the row and does nothing. A change to a schedule or an override is picked up by the next plan (a job for a
 * hand-off that no longer exists finds so and sends nothing; the new hand-off gets its own key and job), so
 * nobody is told about a shift that was taken from them, and a notice due within the next few minutes is at
 * most one plan late (it may be up to LATE_LIMIT_MS late and still go).
 */
export class HandoffNotices {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: HandoffNoticesOptions) {}

  /** Plans once now (a restart catches up at once), then every PLAN_EVERY_MS until stop(). */
  async start(): Promise<void> {
    await this.planQuietly();
    this.timer ??= setInterval(() => void this.planQuietly(), this.options.planEveryMs ?? PLAN_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Queues a job for every notice due soon that has none yet and was not sent; returns what it queued. */
  async plan(): Promise<PlannedNotice[]> {
    const { db, clock } = this.options;
    const now = clock.now();
    const from = new Date(now.getTime() - LATE_LIMIT_MS);
    const until = new Date(from.getTime() + WINDOW_MS);
    const schedules = await listAllSchedules(db);
    const compiled = await this.options.schedules.compile(schedules, from, until);
    const due = schedules.flatMap((schedule) =>
      noticesDue(handoffsIn(compiled.get(schedule.id)!.shifts(from, until)), now, { aheadMs: PLAN_AHEAD_MS, lateMs: LATE_LIMIT_MS }).map(
        ({ person, start, kind, due }): PlannedNotice => ({ scheduleId: schedule.id, person, start, kind, due }),
      ),
    );
    const recorded = new Set((await recordedNotices(db, due)).map(keyOf));
    const planned = due.filter((notice) => !recorded.has(keyOf(notice)));
    if (planned.length > 0) {
      // graphile-worker runs a job by PostgreSQL's clock: each job is placed there by the time left on ours.
      const queueTime = (await queueNow(db)).getTime();
      await addJobs(
        db,
        planned.map((notice) => {
          const payload = payloadOf(notice);
          const runAt = new Date(queueTime + Math.max(0, notice.due.getTime() - now.getTime()));
          return jobSpec('handoff-notice', payload, { jobKey: handoffNoticeJobKey(payload), runAt, maxAttempts: NOTICE_ATTEMPTS, severity: null });
        }),
      );
    }
    await forgetNoticesBefore(db, new Date(now.getTime() - KEEP_NOTICES_MS));
    return planned;
  }

  /** The `handoff-notice` job: sends the notice if it is still true and not yet sent. Throws to be retried. */
  async send(payload: JobPayloads['handoff-notice']): Promise<NoticeOutcome> {
    const { db, clock, logger } = this.options;
    const key: NoticeKey = { scheduleId: payload.scheduleId, person: payload.person, start: new Date(payload.start), kind: payload.kind };
    const fields = { scheduleId: key.scheduleId, slackUserId: key.person, kind: key.kind, shiftStart: payload.start };
    const now = clock.now();
    if (now.getTime() - dueOf(key.kind, key.start).getTime() >= LATE_LIMIT_MS) {
      logger.info('hand-off notice not sent: too late to be news', fields);
      return 'not_sent';
    }
    const stored = await findScheduleById(db, key.scheduleId);
    // Just before the hand-off to its end: the person before, and how long the new person stays.
    const before = new Date(key.start.getTime() - 1);
    const compiled = stored ? (await this.options.schedules.compile([stored], before, new Date(before.getTime() + WINDOW_MS))).get(stored.id)! : null;
    const handoff = compiled ? handoffsIn(compiled.shifts(before, new Date(before.getTime() + WINDOW_MS))).find((h) => h.start.getTime() === key.start.getTime()) : undefined;
    if (!stored || handoff?.person !== key.person) {
      // The schedule, an override or the schedule's deletion moved this hand-off: the next plan queued the right one.
      logger.info('hand-off notice not sent: the schedule no longer hands over to this person then', fields);
      return 'not_sent';
    }
    const text = handoffText({ kind: key.kind, start: key.start, until: handoff.until, timeZone: stored.schedule.timeZone, services: await servicesUsingSchedule(db, stored.id), schedule: stored.name });
    if (!(await claimNotice(db, key, now, new Date(now.getTime() - CLAIM_STALE_MS)))) {
      logger.debug('hand-off notice already sent or being sent', fields);
      return 'not_sent';
    }
    try {
      await this.options.messenger.sendDirect(key.person, text);
    } catch (error) {
      if (error instanceof NotifyError && error.kind === 'permanent') {
        await settleNotice(db, key, { state: 'failed', at: clock.now(), error: error.code ?? error.detail });
        logger.warn('hand-off notice refused by Slack; not retried', { ...fields, errorCode: error.code });
        return 'failed';
      }
      await releaseNotice(db, key);
      throw error;
    }
    await settleNotice(db, key, { state: 'sent', at: clock.now() });
    logger.info('hand-off notice sent', fields);
    return 'sent';
  }

  private async planQuietly(): Promise<void> {
    try {
      await this.plan();
    } catch (error) {
      this.options.logger.error('planning hand-off notices failed; the next plan tries again', { error });
    }
  }
}

const keyOf = (notice: NoticeKey): string => `${notice.scheduleId}|${notice.person}|${notice.start.getTime()}|${notice.kind}`;

const payloadOf = (notice: NoticeKey): JobPayloads['handoff-notice'] => ({ scheduleId: notice.scheduleId, person: notice.person, start: notice.start.toISOString(), kind: notice.kind satisfies NoticeKind });
