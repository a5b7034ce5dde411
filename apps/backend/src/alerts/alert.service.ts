import { addToContext, type Logger } from '@klaxon/logger';
import type { Database, Queryable } from '../db/database';
import { slackActor } from '@klaxon/contracts';
import { NotFoundError, TransitionRefusedError } from '../errors';
import type { Alert, AlertTarget, NewAlert, RequestedTarget, TargetResolver } from './alert';
import { ACTION_EVENT, nextStatus, type AlertAction } from './alert-state';
import { appendAlertEvent, listAlertEvents, type AlertEvent } from './alert-event.repository';
import {
  alertStats,
  allocateAlertNumber,
  findAlertById,
  findAlertByNumber,
  findAlertByRequestId,
  findOpenAlertByDedupKey,
  insertAlert,
  listAlerts,
  transitionAlert,
  type AlertListFilter,
  type AlertStats,
} from './alert.repository';

/**
 * `created`: a new alert; `replayed`: the same request id was seen before, nothing new was written;
 * `deduplicated`: an open alert of the tenant already carries the dedup key, and it is the answer.
 */
export type RaiseOutcome = 'created' | 'replayed' | 'deduplicated';

/** Which alerts a caller may see: a key bound to a tenant sees only that tenant. */
export interface CallerScope {
  tenantId: string | null;
}

/** How a caller names an alert: its global UUID (optionally with the tenant it expects), or tenant + number. */
export type AlertRef = { id: string; tenantId: string | null } | { tenantId: string; number: number };

/** What an alert raise asks for, before its targets are resolved. */
export type RaiseRequest = Omit<NewAlert, 'targets'> & { targets: RequestedTarget[] };

/**
 * Work that must commit or roll back together with a change of an alert (notification jobs, escalation,
 * the Slack channel message). Called inside the transaction.
 */
export interface AlertHooks {
  /** Decides, before the alert is stored, which channels page each resolved target (shown to the pager). */
  planTargets(alert: NewAlert): AlertTarget[];
  raised(t: Queryable, alert: Alert): Promise<void>;
  transitioned(t: Queryable, alert: Alert, action: AlertAction): Promise<void>;
}

/** Hooks that follow an alert's changes without a say in its targets (integrations such as PagerDuty). */
export type AlertFollower = Pick<AlertHooks, 'raised' | 'transitioned'>;

/** The paging hooks, then each follower, in the same transaction: all of their work commits or none. */
export function withFollowers(hooks: AlertHooks, ...followers: AlertFollower[]): AlertHooks {
  return {
    planTargets: (alert) => hooks.planTargets(alert),
    raised: async (t, alert) => {
      for (const hook of [hooks, ...followers]) await hook.raised(t, alert);
    },
    transitioned: async (t, alert, action) => {
      for (const hook of [hooks, ...followers]) await hook.transitioned(t, alert, action);
    },
  };
}

const NO_HOOKS: AlertHooks = { planTargets: (alert) => alert.targets, raised: async () => {}, transitioned: async () => {} };

// Thrown inside the transaction to roll back the number it allocated when a unique rule refused the row.
class RaiseCollided extends Error {}

const MAX_RAISE_ATTEMPTS = 3;

export class AlertService {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly targets: TargetResolver;
  private readonly hooks: AlertHooks;

  constructor({ db, logger, targets, hooks = NO_HOOKS }: { db: Database; logger: Logger; targets: TargetResolver; hooks?: AlertHooks }) {
    this.db = db;
    this.logger = logger;
    this.targets = targets;
    this.hooks = hooks;
  }

  /** Stores the alert, its targets, its first audit event and its hooks' work in one transaction. */
  async raise(request: RaiseRequest): Promise<{ alert: Alert; outcome: RaiseOutcome }> {
    const existing = await this.findExisting(request);
    if (existing) return existing;
    const resolved: NewAlert = { ...request, targets: await this.targets.resolve(request.tenantId, request.targets) };
    const input: NewAlert = { ...resolved, targets: this.hooks.planTargets(resolved) };
    // A collision means a twin committed first; it is found on the next look. A dedup twin that was
    // resolved in between lets the next attempt create a fresh alert, hence the loop.
    for (let attempt = 1; ; attempt++) {
      try {
        const alert = await this.db.tx('raise-alert', async (t) => {
          const number = await allocateAlertNumber(t, input.tenantId);
          const inserted = await insertAlert(t, input, number);
          if (!inserted) throw new RaiseCollided();
          await appendAlertEvent(t, {
            alertId: inserted.id,
            tenantId: inserted.tenantId,
            kind: 'created',
            actor: creatorOf(input),
            data: {
              severity: inserted.severity,
              source: inserted.source,
              origin: inserted.origin,
              targets: inserted.targets.map((target) => ({ slack_user_id: target.slackUserId, status: target.status, reason: target.reason })),
            },
          });
          // The rest of the request's lines, and the jobs the hooks queue, name the alert.
          addToContext({ alertId: inserted.id, tenantId: inserted.tenantId });
          await this.hooks.raised(t, inserted);
          return inserted;
        });
        this.logger.info('alert raised', { alertId: alert.id, tenantId: alert.tenantId, alertNumber: alert.number, severity: alert.severity });
        return { alert, outcome: 'created' };
      } catch (error) {
        if (!(error instanceof RaiseCollided)) throw error;
        const twin = await this.findExisting(input);
        if (twin) return twin;
        if (attempt >= MAX_RAISE_ATTEMPTS) throw new Error('alert insert kept colliding but no twin was found', { cause: error });
      }
    }
  }

  async get(ref: AlertRef, scope: CallerScope): Promise<Alert> {
    return this.find(this.db, ref, scope);
  }

  async events(ref: AlertRef, scope: CallerScope): Promise<{ alert: Alert; events: AlertEvent[] }> {
    const alert = await this.find(this.db, ref, scope);
    return { alert, events: await listAlertEvents(this.db, alert.id) };
  }

  /** The tenant's open (triggered or acknowledged) alert with this dedup key, if any. */
  async findOpen(tenantId: string, dedupKey: string): Promise<Alert | null> {
    return findOpenAlertByDedupKey(this.db, tenantId, dedupKey);
  }

  async list(filter: AlertListFilter): Promise<Alert[]> {
    return listAlerts(this.db, filter);
  }

  async stats(tenantId: string): Promise<AlertStats> {
    return alertStats(this.db, tenantId);
  }

  /**
   * Moves the alert by one conditional UPDATE. Of concurrent moves exactly one wins; the others get a
   * 409 that says who moved it and when.
   */
  async transition(ref: AlertRef, action: AlertAction, change: { actor: string; note: string | null }, scope: CallerScope): Promise<Alert> {
    const alert = await this.db.tx('transition-alert', async (t) => {
      const before = await this.find(t, ref, scope);
      if (!(await transitionAlert(t, before.id, action, change.actor))) {
        throw refusal((await findAlertById(t, before.id))!, action);
      }
      const after = (await findAlertById(t, before.id))!;
      await appendAlertEvent(t, { alertId: after.id, tenantId: after.tenantId, kind: ACTION_EVENT[action], actor: change.actor, note: change.note });
      await this.hooks.transitioned(t, after, action);
      return after;
    });
    this.logger.info(`alert ${ACTION_EVENT[action]}`, { alertId: alert.id, tenantId: alert.tenantId, alertNumber: alert.number, actor: change.actor });
    return alert;
  }

  private async find(db: Queryable, ref: AlertRef, scope: CallerScope): Promise<Alert> {
    const alert = 'id' in ref ? await findAlertById(db, ref.id) : await findAlertByNumber(db, ref.tenantId, ref.number);
    const name = 'id' in ref ? `id ${ref.id}` : `number ${ref.number} in tenant ${ref.tenantId}`;
    // Another tenant's alert is reported exactly like a missing one, so ids cannot be probed.
    const visible =
      alert !== null && (scope.tenantId === null || alert.tenantId === scope.tenantId) && (!('id' in ref) || ref.tenantId === null || ref.tenantId === alert.tenantId);
    if (!visible) throw new NotFoundError(`no alert with ${name}`);
    return alert;
  }

  private async findExisting(input: Pick<NewAlert, 'tenantId' | 'requestId' | 'dedupKey'>): Promise<{ alert: Alert; outcome: RaiseOutcome } | null> {
    if (input.requestId) {
      const replay = await findAlertByRequestId(this.db, input.tenantId, input.requestId);
      if (replay) return { alert: replay, outcome: 'replayed' };
    }
    if (input.dedupKey) {
      const open = await findOpenAlertByDedupKey(this.db, input.tenantId, input.dedupKey);
      if (open) return { alert: open, outcome: 'deduplicated' };
    }
    return null;
  }
}

function creatorOf(input: NewAlert): string {
  return input.slackUserId ? slackActor(input.slackUserId) : input.origin;
}

function refusal(current: Alert, action: AlertAction): TransitionRefusedError {
  // A move is only refused once the alert was acknowledged or resolved, so those columns are set.
  const by = current.status === 'resolved' ? current.resolvedBy : current.acknowledgedBy;
  const at = (current.status === 'resolved' ? current.resolvedAt : current.acknowledgedAt) ?? current.createdAt;
  const allowed = nextStatus(current.status, 'resolve') ? ' (it can still be resolved)' : '';
  return new TransitionRefusedError(
    `cannot ${action} alert #${current.number}: it is already ${current.status} by ${by ?? 'unknown'} at ${at.toISOString()}${allowed}`,
    { status: current.status, by, at: at.toISOString() },
  );
}
