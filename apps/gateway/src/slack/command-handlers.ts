import { ALERT_STATUSES, slackActor, slackToPlain, type AlertDto, type AlertStatus, type ContactDto, type PhoneStatusDto, type UpsertContactRequest } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import { BackendRejectedError, BackendUnavailableError } from '../errors';
import { retryWithin } from '../retry-within';
import type { AlertCommand, PrefsChange, TransitionKind } from './command-parser';
import {
  alertList,
  alertNotFound,
  alertTimeline,
  alreadyInState,
  couldNot,
  emailNotSet,
  emailRejected,
  emailSaved,
  emailShown,
  nothingPaged,
  notPagedRateLimited,
  maintenanceEnded,
  maintenanceList,
  maintenanceOpened,
  maintenanceRefused,
  maintenanceUnknownService,
  onCallShown,
  onCallUnknown,
  pageOutcome,
  recordedInMaintenance,
  testPagesOutcome,
  phoneCodeNotSent,
  phoneCodeRateLimited,
  phoneCodeRefused,
  phoneCodeSent,
  phoneCodeStillSending,
  phoneRejected,
  phoneShown,
  phoneVerified,
  prefsRejected,
  prefsSaved,
  prefsShown,
  rateLimitedReason,
  transitioned,
} from './messages';

/** Who ran the command, where, and how to reach the backend for it. */
export interface CommandContext {
  backend: BackendClient;
  logger: Logger;
  tenantId: string;
  userId: string;
  channelId: string;
  responseUrl: string;
  /** Idempotency key: the same for a Slack retry of the same command. */
  requestId: string;
  /**
   * How long a page may keep retrying a backend that is down before saying nothing was paged; and how long
   * `/alert phone <number>` waits for its code to be sent (the gateway's drain on stop covers both).
   */
  pageRetryBudgetMs: number;
  now: () => Date;
  /** Told whether a page ended in an alert (created or joined): the gateway counts what became of every page. */
  onPageOutcome?: (raised: boolean) => void;
}

const LIST_LIMIT = 20;
const OPEN_STATUSES: AlertStatus[] = ALERT_STATUSES.filter((s) => s !== 'resolved');

/** Carries out a parsed command and returns the sentence to show its author. Never throws for backend failures. */
export async function runCommand(command: Exclude<AlertCommand, { kind: 'help' }>, ctx: CommandContext): Promise<string> {
  switch (command.kind) {
    case 'page':
      return page(command, ctx);
    case 'acknowledge':
    case 'resolve':
      return transition(command.kind, command.number, command.note, ctx);
    case 'list':
      return attempt(`list alerts`, ctx, () => list(command.status, ctx));
    case 'status':
      return attempt(`look up #${command.number}`, ctx, async () => {
        const call = { requestId: ctx.requestId };
        const [alert, { events }] = await Promise.all([
          ctx.backend.getAlert(ctx.tenantId, command.number, call),
          ctx.backend.alertEvents(ctx.tenantId, command.number, call),
        ]);
        return alertTimeline(alert, events, ctx.now());
      }, command.number);
    case 'phone-show':
      return attempt('look up your number', ctx, async () => phoneShown(await ctx.backend.ownPhone(ctx.tenantId, ctx.userId, { requestId: ctx.requestId })));
    case 'phone-set':
      // The backend answers once the provider has taken the code, which a slow provider makes longer than the
      // usual backend timeout: the ack already said "sending", so the outcome may come later on response_url.
      return ownPhone(
        'send a code to your number',
        ctx,
        () => ctx.backend.requestPhoneCode(ctx.tenantId, ctx.userId, { phone: command.phone }, { requestId: ctx.requestId, timeoutMs: ctx.pageRetryBudgetMs }),
        (status) => phoneCodeSent(status, ctx.now()),
        phoneCodeStillSending,
      );
    case 'phone-verify':
      return ownPhone('check your code', ctx, () => ctx.backend.verifyPhone(ctx.tenantId, ctx.userId, { code: command.code }, { requestId: ctx.requestId }), phoneVerified);
    case 'email-show':
      return showContact('look up your email', ctx, (contact) => (contact?.email ? emailShown(contact) : emailNotSet()));
    case 'email-set':
      return saveContact('save your email', { email: command.email }, ctx, emailRejected, emailSaved);
    case 'prefs-show':
      return attempt('look up your settings', ctx, async () => {
        const call = { requestId: ctx.requestId };
        const [contact, phone] = await Promise.all([ctx.backend.findContact(ctx.tenantId, ctx.userId, call), ctx.backend.ownPhone(ctx.tenantId, ctx.userId, call)]);
        return prefsShown(contact, phone.pending);
      });
    case 'test':
      return attempt('send your test pages', ctx, async () => testPagesOutcome(await ctx.backend.testPages(ctx.tenantId, ctx.userId, { requestId: ctx.requestId })));
    case 'prefs-set':
      return saveContact('save your settings', prefsBody(command.change), ctx, prefsRejected, (contact) => prefsSaved(command.change, contact));
    case 'oncall':
      return attempt('look up who is on call', ctx, async () => {
        try {
          return onCallShown(await ctx.backend.onCall(ctx.tenantId, command.name, { requestId: ctx.requestId }), command.name);
        } catch (error) {
          if (command.name !== null && error instanceof BackendRejectedError && error.status === 404) return onCallUnknown(command.name);
          throw error;
        }
      });
    case 'maintenance-list':
      return attempt('look up maintenance windows', ctx, async () => maintenanceList(await ctx.backend.listMaintenance(ctx.tenantId, null, { requestId: ctx.requestId })));
    case 'maintenance-start':
      return maintenance(`put ${command.service} in maintenance`, command.service, ctx, async () => {
        // The window starts at the backend's now (no start sent), so it holds from the moment it is stored.
        const end = new Date(ctx.now().getTime() + command.durationMs).toISOString();
        const body = { end, created_by: ctx.userId, ...(command.reason ? { reason: command.reason } : {}) };
        return maintenanceOpened(await ctx.backend.openMaintenance(ctx.tenantId, command.service, body, { requestId: ctx.requestId }));
      });
    case 'maintenance-end':
      return maintenance(`end ${command.service}'s maintenance`, command.service, ctx, async () => {
        const call = { requestId: ctx.requestId };
        const current = (await ctx.backend.listMaintenance(ctx.tenantId, command.service, call)).filter((window) => window.active);
        const ended = [];
        for (const window of current) ended.push(await ctx.backend.endMaintenance(ctx.tenantId, command.service, window.id, call));
        return maintenanceEnded(command.service, ended);
      });
  }
}

/** A maintenance command: an unknown service (404) and a refused window (422) are answered in the person's terms. */
async function maintenance(action: string, service: string, ctx: CommandContext, run: () => Promise<string>): Promise<string> {
  return attempt(action, ctx, async () => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof BackendRejectedError && error.status === 404) return maintenanceUnknownService(service);
      if (error instanceof BackendRejectedError && error.status === 422) return maintenanceRefused(error.detail);
      throw error;
    }
  });
}

/** Reads the person's own contact (null: none stored) and describes it. */
async function showContact(action: string, ctx: CommandContext, shown: (contact: ContactDto | null) => string): Promise<string> {
  return attempt(action, ctx, async () => shown(await ctx.backend.findContact(ctx.tenantId, ctx.userId, { requestId: ctx.requestId })));
}

/** PUTs the person's own contact; a 422 is answered in their terms (`rejected`), the rest as any failure. */
async function saveContact(
  action: string,
  body: UpsertContactRequest,
  ctx: CommandContext,
  rejected: (detail: string) => string,
  saved: (contact: ContactDto) => string,
): Promise<string> {
  return attempt(action, ctx, async () => {
    try {
      return saved(await ctx.backend.setContact(ctx.tenantId, ctx.userId, body, { requestId: ctx.requestId }));
    } catch (error) {
      if (error instanceof BackendRejectedError && error.status === 422) return rejected(error.detail);
      throw error;
    }
  });
}

/**
 * `/alert phone +…` and `/alert phone verify`: the backend's refusals are the person's to read (a bad number,
 * a wrong or expired code, a code that could not be sent); the rest is any failure. `unanswered` is what to say
 * when the backend was asked but did not answer in time, where the work may still be done.
 */
async function ownPhone(
  action: string,
  ctx: CommandContext,
  call: () => Promise<PhoneStatusDto>,
  done: (status: PhoneStatusDto) => string,
  unanswered?: () => string,
): Promise<string> {
  return attempt(action, ctx, async () => {
    try {
      return done(await call());
    } catch (error) {
      if (unanswered && error instanceof BackendUnavailableError && error.timedOut) {
        ctx.logger.warn('no answer in time from the backend while it sends a code; told the person it is on its way', { requestId: ctx.requestId, tenantId: ctx.tenantId, action });
        return unanswered();
      }
      if (!(error instanceof BackendRejectedError)) throw error;
      if (error.error === 'not_sent') return phoneCodeNotSent(error.detail);
      if (error.status === 429) return phoneCodeRateLimited(error.detail);
      if (error.error === 'verification_failed') return phoneCodeRefused(error.detail);
      if (error.status === 422) return phoneRejected(error.detail);
      throw error;
    }
  });
}

function prefsBody(change: PrefsChange): UpsertContactRequest {
  if ('channels' in change) return { channels: change.channels };
  // Without a zone the stored one is used; turning quiet hours off leaves the zone as it is.
  return { quiet_hours: change.quietHours, ...(change.timeZone ? { time_zone: change.timeZone } : {}) };
}

async function page(command: Extract<AlertCommand, { kind: 'page' }>, ctx: CommandContext): Promise<string> {
  const body = {
    tenant_id: ctx.tenantId,
    message: command.message,
    severity: command.severity,
    ...(command.userIds.length > 0 ? { targets: command.userIds.map((slack_user_id) => ({ slack_user_id })) } : {}),
    ...(command.service === null ? {} : 'name' in command.service ? { service: command.service.name } : { slack_usergroup: command.service.usergroup }),
    slack: { channel_id: ctx.channelId, user_id: ctx.userId, response_url: ctx.responseUrl },
  };
  try {
    // Same request id on every try: a try that did reach the backend makes the next one return that alert.
    const { alert, created } = await retryWithin((remainingMs) => ctx.backend.raiseAlert(body, { requestId: ctx.requestId, timeoutMs: remainingMs }), {
      budgetMs: ctx.pageRetryBudgetMs,
      shouldRetry: (error) => error instanceof BackendUnavailableError,
      onRetry: (error, tries) => ctx.logger.warn('backend unavailable, retrying the page', { requestId: ctx.requestId, attempt: tries, error }),
    });
    ctx.logger.info('alert forwarded', { requestId: ctx.requestId, tenantId: ctx.tenantId, alertId: alert.id, alertNumber: alert.number, created });
    ctx.onPageOutcome?.(true);
    // A service raise that fired no step and paged nobody: the service is in a maintenance window.
    if (command.service !== null && alert.escalation === null && alert.targets.length === 0) return recordedInMaintenance(alert, command.service);
    return pageOutcome(alert, !created);
  } catch (error) {
    ctx.onPageOutcome?.(false);
    if (error instanceof BackendRejectedError && error.status === 429) {
      // A limit the caller hit, not an outage: say whose limit and how long, not "Klaxon is down".
      ctx.logger.info('page refused by rate limit', { requestId: ctx.requestId, tenantId: ctx.tenantId });
      return notPagedRateLimited(failureReason(error));
    }
    ctx.logger.error('alert not forwarded', { requestId: ctx.requestId, tenantId: ctx.tenantId, error });
    return nothingPaged(failureReason(error));
  }
}

async function transition(kind: TransitionKind, number: number, note: string | null, ctx: CommandContext): Promise<string> {
  return attempt(`${kind} #${number}`, ctx, async () => {
    // Stored and shown as plain text, whoever wrote it: Slack's markup (`<@U…|jane>`, `&amp;`) read as people saw it.
    const plain = note === null ? '' : slackToPlain(note).trim();
    const body = { actor: slackActor(ctx.userId), ...(plain ? { note: plain } : {}) };
    const alert: AlertDto = await ctx.backend.transition(kind, ctx.tenantId, number, body, { requestId: ctx.requestId });
    return transitioned(alert);
  }, number);
}

async function list(status: AlertStatus | null, ctx: CommandContext): Promise<string> {
  const statuses = status ? [status] : OPEN_STATUSES;
  const pages = await Promise.all(
    statuses.map((s) => ctx.backend.listAlerts({ tenantId: ctx.tenantId, status: s, limit: LIST_LIMIT }, { requestId: `${ctx.requestId}-${s}` })),
  );
  const alerts = pages.flatMap((p) => p.alerts).sort((a, b) => b.number - a.number);
  return alertList(alerts, status, ctx.now());
}

/** Runs one backend interaction, turning the answers people can act on (404, 409, 429, down) into sentences. */
async function attempt(action: string, ctx: CommandContext, run: () => Promise<string>, number?: number): Promise<string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BackendRejectedError && number !== undefined) {
      if (error.status === 404) return alertNotFound(number);
      if (error.status === 409 && error.body.current) return alreadyInState(`#${number}`, error.body.current, ctx.now());
    }
    ctx.logger.warn('command failed', { requestId: ctx.requestId, tenantId: ctx.tenantId, action, error });
    return couldNot(action, failureReason(error));
  }
}

/** Why a backend call failed, as the end of "Nothing was paged: …" or "Could not …: …". */
export function failureReason(error: unknown): string {
  if (error instanceof BackendUnavailableError) return error.message;
  if (error instanceof BackendRejectedError) {
    return error.status === 429 ? rateLimitedReason(error.detail || null, error.retryAfterSeconds) : `the backend refused it (${error.detail})`;
  }
  return 'an unexpected error occurred in the gateway';
}
