import { escapeSlackText, type PagerDutyAction, type Severity } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import type { Alert } from '../../alerts/alert';
import type { AlertAction } from '../../alerts/alert-state';
import { appendAlertEvent } from '../../alerts/alert-event.repository';
import { findAlertById } from '../../alerts/alert.repository';
import type { AlertFollower } from '../../alerts/alert.service';
import type { IdentifiedAlert } from '../../alerts/alert.repository';
import type { RaiseBatch } from '../../alerts/raise-batch';
import type { Clock } from '../../time/clock';
import type { Database, Queryable } from '../../db/database';
import { NotFoundError } from '../../common/errors';
import type { AlertNotices } from '../../channels/alert-notices';
import { nextRetryAt, type RetryPolicy } from '../../time/backoff';
import { addJobs, jobSpec, type JobSpec } from '../../jobs/job-queue';
import { messageOf } from '../../channels/notify-error';
import { outcomeOf, pagerDutyEvent } from './pagerduty-event';
import {
  findPagerDutySettings,
  forwardsToPagerDutyCondition,
  listPagerDutyEvents,
  queuePagerDutyEvents,
  queuePagerDutyTriggersQuery,
  recordPagerDutyOutcome,
  savePagerDutySettings,
  sentToPagerDuty,
  type PagerDutySettings,
} from './pagerduty.repository';

export interface PagerDutyServiceOptions {
  db: Database;
  logger: Logger;
  clock: Clock;
  notices: AlertNotices;
  /** Events API v2 base, e.g. https://events.pagerduty.com. */
  eventsUrl: string;
  maxAttempts: number;
  retryBaseMs: number;
  /** How long one request may take before it counts as a transient failure. */
  timeoutMs?: number;
  random?: () => number;
}

// Both the job key (a newer change replaces a job still waiting) and the queue name (one job per alert at
// a time, so trigger, acknowledge and resolve reach PagerDuty in that order).
const jobKeyOf = (alertId: string): string => `pagerduty:${alertId}`;
const ACTION_OF: Record<AlertAction, PagerDutyAction> = { acknowledge: 'acknowledge', resolve: 'resolve' };

interface Answer {
  status: number | null;
  message: string;
}

/**
 * Hands serious alerts on to PagerDuty (Events API v2) for tenants that set a routing key. The events owed
 * are written in the alert change's own transaction (AlertHooks), then a durable job sends them in order,
 * retrying 429, 5xx and timeouts with backoff; a 400 is not retried, and is said in the alert's Slack
 * thread and its events.
 */
export class PagerDutyService implements AlertFollower {
  constructor(private readonly options: PagerDutyServiceOptions) {}

  async settings(tenantId: string): Promise<PagerDutySettings> {
    const settings = await findPagerDutySettings(this.options.db, tenantId);
    if (!settings) throw new NotFoundError(`tenant ${tenantId} has no PagerDuty routing key`);
    return settings;
  }

  async configure(tenantId: string, routingKey: string, minSeverity: Severity): Promise<PagerDutySettings> {
    const settings = await savePagerDutySettings(this.options.db, tenantId, routingKey, minSeverity);
    this.options.logger.info('PagerDuty settings saved', { tenantId, minSeverity });
    return settings;
  }

  async raised(batch: RaiseBatch, alert: IdentifiedAlert): Promise<void> {
    // Recorded in a maintenance window: PagerDuty would page someone for it.
    if (alert.silenced) return;
    // Most tenants forward nothing: the settings are read by the raise's statement, not by a query before it.
    const forwards = forwardsToPagerDutyCondition(alert.tenantId, alert.severity);
    const step = batch.when(`pagerduty:${alert.tenantId}:${alert.severity}`, forwards, (alertIds) => queuePagerDutyTriggersQuery(alertIds, forwards));
    step.alertIds.push(alert.id);
    step.jobs.push(this.job(alert));
  }

  async transitioned(t: Queryable, alerts: readonly Alert[], action: AlertAction): Promise<void> {
    // Only alerts PagerDuty was told about: a routing key set later does not send half an incident.
    const sent = await sentToPagerDuty(t, alerts.map((alert) => alert.id));
    const followed = alerts.filter((alert) => sent.has(alert.id));
    await queuePagerDutyEvents(t, followed.map((alert) => alert.id), ACTION_OF[action]);
    await addJobs(t, followed.map((alert) => this.job(alert)));
  }

  /** The job: sends the alert's queued events in order, stopping at the first that must wait for a retry. */
  async sync(alertId: string): Promise<void> {
    const { db } = this.options;
    const alert = await findAlertById(db, alertId);
    if (!alert) return;
    const settings = await findPagerDutySettings(db, alert.tenantId);
    // No lock needed: the alert's jobs run one at a time in its own queue.
    const events = await listPagerDutyEvents(db, alertId);
    let triggerFailed = events.some((e) => e.action === 'trigger' && e.status === 'failed');
    for (const event of events.filter((e) => e.status === 'queued')) {
      if (triggerFailed || !settings) {
        const reason = triggerFailed ? 'the trigger event was refused, so PagerDuty has no incident to update' : 'the tenant no longer has a PagerDuty routing key';
        await this.record(alert, event.action, 'failed', { status: null, message: reason });
        continue;
      }
      const answer = await this.post(settings.routingKey, pagerDutyEvent(alert, event.action));
      const outcome = outcomeOf(answer.status);
      if (outcome === 'sent') {
        await this.record(alert, event.action, 'sent', answer);
        continue;
      }
      // Retried as a page is: only a transient failure, with the same backoff, up to the same number of attempts.
      const runAt = nextRetryAt({ kind: outcome }, event.attempts + 1, this.retryPolicy(), this.options.clock.now());
      if (!runAt) {
        await this.record(alert, event.action, 'failed', answer);
        const next = outcome === 'permanent' ? 'Klaxon will not retry it: check the routing key with GET /integrations/pagerduty.' : `Klaxon gave up after ${event.attempts + 1} attempts.`;
        await this.tell(alert, event.action, answer, next);
        triggerFailed ||= event.action === 'trigger';
        continue;
      }
      const attempts = await this.record(alert, event.action, 'queued', answer);
      this.options.logger.warn('PagerDuty event failed, will retry', { alertId, action: event.action, status: answer.status, attempts, nextAttemptAt: runAt.toISOString() });
      await addJobs(db, [this.job(alert, runAt)]);
      // The later events wait: PagerDuty must see them in order.
      return;
    }
  }

  private retryPolicy(): RetryPolicy {
    const { maxAttempts, retryBaseMs, random } = this.options;
    return { maxAttempts, baseMs: retryBaseMs, random };
  }

  private job(alert: Pick<Alert, 'id' | 'severity'>, runAt?: Date): JobSpec {
    return jobSpec('pagerduty-event', { alertId: alert.id }, { jobKey: jobKeyOf(alert.id), queueName: jobKeyOf(alert.id), severity: alert.severity, ...(runAt ? { runAt } : {}) });
  }

  private async post(routingKey: string, event: Record<string, unknown>): Promise<Answer> {
    try {
      const response = await fetch(`${this.options.eventsUrl}/v2/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: routingKey, ...event }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = await response.text();
      return { status: response.status, message: describeAnswer(text) };
    } catch (error) {
      return { status: null, message: messageOf(error) };
    }
  }

  /** The outcome in pagerduty_events and the alert's timeline, together; returns the attempts so far. */
  private async record(alert: Alert, action: PagerDutyAction, status: 'queued' | 'sent' | 'failed', answer: Answer): Promise<number> {
    const error = status === 'sent' ? null : `${answer.status === null ? 'no answer' : `HTTP ${answer.status}`}: ${answer.message}`;
    return this.options.db.tx('pagerduty-outcome', async (t) => {
      const attempts = await recordPagerDutyOutcome(t, alert.id, action, { status, error });
      const data = { action, status: answer.status, attempts };
      const event = error === null ? { kind: 'pagerduty.sent' as const, data } : { kind: status === 'failed' ? ('pagerduty.failed' as const) : ('pagerduty.retrying' as const), data: { ...data, error } };
      await appendAlertEvent(t, { alertId: alert.id, tenantId: alert.tenantId, actor: 'system', ...event });
      return attempts;
    });
  }

  private async tell(alert: Alert, action: PagerDutyAction, answer: Answer, next: string): Promise<void> {
    const how = answer.status === null ? 'did not answer' : `answered HTTP ${answer.status}`;
    this.options.logger.warn('PagerDuty event failed for good', { alertId: alert.id, action, status: answer.status });
    await this.options.notices.tell(alert, `⚠️ PagerDuty ${how} to the ${action} event of alert #${alert.number}: ${escapeSlackText(answer.message)}. ${next}`);
  }
}

/** PagerDuty's `{status, message, errors}` as one sentence; anything else shortened. */
function describeAnswer(text: string): string {
  try {
    const body = JSON.parse(text) as { status?: unknown; message?: unknown; errors?: unknown };
    const errors = Array.isArray(body.errors) ? ` (${body.errors.map(String).join('; ')})` : '';
    return `${String(body.message ?? body.status ?? 'no message')}${errors}`.slice(0, 500);
  } catch {
    return text.slice(0, 200) || 'an empty answer';
  }
}
