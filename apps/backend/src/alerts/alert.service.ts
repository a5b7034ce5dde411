import { randomUUID } from 'node:crypto';
import { addToContext, runWithContext, type Logger } from '@klaxon/logger';
import type { Database, Queryable } from '../db/database';
import { slackActor, stripBidiControls } from '@klaxon/contracts';
import { NotFoundError, TransitionRefusedError, ValidationError } from '../common/errors';
import type { Alert, NewAlert } from './alert';
import type { AlertTarget, RequestedTarget, TargetResolver } from '../contacts/target';
import { ACTION_EVENT, nextStatus, type AlertAction } from './alert-state';
import { addJobsQuery } from '../jobs/job-queue';
import { appendAlertEvents, appendAlertEventsQuery, listAlertEvents, type AlertEvent, type NewAlertEvent } from './alert-event.repository';
import {
  alertStats,
  findAlertById,
  findAlertByNumber,
  findOpenAlertsByDedupKeys,
  findAlertsByIds,
  findOpenCoveredAlertIds,
  findRaiseTwin,
  insertRaises,
  listAlerts,
  tenantRaisedFromSlackIn,
  transitionAlerts,
  type AlertListFilter,
  type AlertStats,
  type IdentifiedAlert,
} from './alert.repository';
import { RaiseBatch } from './raise-batch';
import type { PagingCharge } from './paging-limits';
import type { ServicePaging } from '../oncall/service-paging';
import { maintenanceNote, type MaintenanceWindows } from '../oncall/maintenance-windows';
import { walkSteps } from '../oncall/policy-run';
import { escalationEvents } from './escalation-events';

/**
 * `created`: a new alert; `replayed`: the same request id was seen before, nothing new was written;
 * `deduplicated`: an open alert of the tenant already carries the dedup key, and it is the answer.
 */
export type RaiseOutcome = 'created' | 'replayed' | 'deduplicated';

/** Which alerts a caller may see: a key bound to a tenant sees only that tenant. */
export interface CallerScope {
  tenantId: string | null;
}

/** What finds a raise's twin: the tenant's alert with this request id, or its open alert with this dedup key. */
type TwinKey = Pick<NewAlert, 'tenantId' | 'requestId' | 'dedupKey'>;

/** How a caller names an alert: its global UUID (optionally with the tenant it expects), or tenant + number. */
export type AlertRef = { id: string; tenantId: string | null } | { tenantId: string; number: number };

/** What an alert raise asks for, before its targets are resolved. */
export type RaiseRequest = Omit<NewAlert, 'targets' | 'escalation'> & {
  targets: RequestedTarget[];
  /**
   * The service paged (its escalation policy's step 1 fires now), by name or by the Slack user group linked to it;
   * null or absent when only `targets` are.
   */
  service?: string | { usergroup: string } | null;
  /** The field a caller named the service in, for a 422 about it (`service`, or an integration's label). */
  serviceField?: string;
  /** The request id was made for this request just now (the caller sent none), so it cannot be a replay. */
  freshRequestId?: boolean;
  /**
   * The paging limits a new alert counts against, counted in the statement that stores it: a replay or a
   * dedup hit stores nothing and counts nothing, a refusal (PagingLimitRefusedError) stores nothing.
   */
  limits?: PagingCharge | null;
};

/**
 * Work that must commit or roll back together with a change of an alert (notification jobs, escalation,
 * the Slack channel message).
 */
export interface AlertHooks {
  /** Decides, before the alert is stored, which channels page each resolved target (shown to the pager). */
  planTargets(alert: NewAlert): AlertTarget[];
  /**
   * Adds the hook's rows and jobs to the raise of `alert` (not stored yet: it has its id, not its number).
   * Never writes itself, and reads no settings (a write or job that depends on one carries it as a condition,
   * see RaiseBatch): the batch is written with the alert in one statement, the raise's one round trip.
   */
  raised(batch: RaiseBatch, alert: IdentifiedAlert): Promise<void>;
  /** Called inside the transition's transaction with every alert `action` moved in it (one, or a chunk of a storm). */
  transitioned(t: Queryable, alerts: readonly Alert[], action: AlertAction): Promise<void>;
}

/** Hooks that follow an alert's changes without a say in its targets (integrations such as PagerDuty). */
export type AlertFollower = Pick<AlertHooks, 'raised' | 'transitioned'>;

/** The paging hooks, then each follower: all of their work commits with the alert's change or none of it. */
export function withFollowers(hooks: AlertHooks, ...followers: AlertFollower[]): AlertHooks {
  return {
    planTargets: (alert) => hooks.planTargets(alert),
    raised: async (batch, alert) => {
      for (const hook of [hooks, ...followers]) await hook.raised(batch, alert);
    },
    transitioned: async (t, alerts, action) => {
      for (const hook of [hooks, ...followers]) await hook.transitioned(t, alerts, action);
    },
  };
}

const NO_HOOKS: AlertHooks = { planTargets: (alert) => alert.targets, raised: async () => {}, transitioned: async () => {} };

const MAX_RAISE_ATTEMPTS = 3;

/**
 * The text people read of an alert, without bidi controls. The request schemas take them out of their fields;
 * Alertmanager's annotations and labels arrive here as they came, and whatever raised it, this is what pages.
 */
function readableText({ message, source, ruleName }: Pick<NewAlert, 'message' | 'source' | 'ruleName'>): Pick<NewAlert, 'message' | 'source' | 'ruleName'> {
  const strip = (text: string | null) => (text === null ? null : stripBidiControls(text));
  return { message: stripBidiControls(message), source: strip(source), ruleName: strip(ruleName) };
}

/**
 * The most alerts `raiseAll` writes in one statement, and `transitionAll` moves in one transaction: a storm of
 * thousands is written in bounded steps, each holding its locks (the tenant's counter row, the alerts' rows)
 * for milliseconds, not for the whole storm, and none costing a round trip per alert.
 */
export const ALERT_CHUNK_SIZE = 100;

/** A raise in a batch: told apart from an earlier one by its dedup key alone (it carries no request id). */
export type BatchRaiseRequest = Omit<RaiseRequest, 'requestId' | 'freshRequestId' | 'dedupKey' | 'limits'> & { requestId: null; dedupKey: string };

export class AlertService {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly targets: TargetResolver;
  private readonly hooks: AlertHooks;
  /** `tenant:channel` of the operator's grants (TENANT_SLACK_CHANNELS). */
  private readonly grantedChannels: ReadonlySet<string>;
  private readonly services: ServicePaging | null;
  private readonly maintenance: Pick<MaintenanceWindows, 'inMaintenanceNow'> | null;

  constructor({
    db,
    logger,
    targets,
    hooks = NO_HOOKS,
    grantedChannels = [],
    services = null,
    maintenance = null,
  }: {
    db: Database;
    logger: Logger;
    targets: TargetResolver;
    hooks?: AlertHooks;
    /** Slack channels the operator lets keys bound to a tenant name. */
    grantedChannels?: ReadonlyArray<{ tenantId: string; channelId: string }>;
    /** Services and their escalation policies; without it a raise naming a service is refused. */
    services?: ServicePaging | null;
    /** Services' maintenance windows: a raise for a service in one pages nobody. */
    maintenance?: Pick<MaintenanceWindows, 'inMaintenanceNow'> | null;
  }) {
    this.db = db;
    this.logger = logger;
    this.targets = targets;
    this.hooks = hooks;
    this.grantedChannels = new Set(grantedChannels.map((grant) => `${grant.tenantId}:${grant.channelId}`));
    this.services = services;
    this.maintenance = maintenance;
  }

  /**
   * Refuses a Slack channel the caller may not have the tenant's alert posted to. The bot posts wherever it is
   * a member, so a key bound to a tenant may name only a channel where someone of that tenant raised an alert
   * from Slack (Slack's signed request tied the channel to the tenant) or one the operator granted the tenant;
   * the unbound key (the gateway's, the operator's) names any. The refusal reads the same whoever used the
   * channel: a bound key learns nothing of other tenants.
   */
  async checkSlackChannel(scope: CallerScope, tenantId: string, channelId: string, field = 'slack.channel_id'): Promise<void> {
    if (scope.tenantId === null || this.grantedChannels.has(`${tenantId}:${channelId}`)) return;
    if (await tenantRaisedFromSlackIn(this.db, tenantId, channelId)) return;
    throw new ValidationError(
      `${field}: a key bound to a tenant may name only a channel where the tenant's people raised an alert from Slack (/alert), or one the operator granted in TENANT_SLACK_CHANNELS; ${channelId} is neither`,
    );
  }

  /**
   * Stores the alert, its targets, its first audit event and its hooks' rows and jobs in ONE statement (see
   * `insertRaises`): a raise is a lookup for a twin, the targets' resolution, the hooks' reads, and one write.
   */
  async raise({ freshRequestId = false, limits = null, ...request }: RaiseRequest): Promise<{ alert: Alert; outcome: RaiseOutcome }> {
    // An id the backend made for this request cannot name an earlier raise: only a dedup key can find a twin then.
    const twinKey: TwinKey = { tenantId: request.tenantId, requestId: freshRequestId ? null : request.requestId, dedupKey: request.dedupKey };
    const existing = await this.findExisting(twinKey);
    if (existing) return existing;
    const input = await this.prepare(request);
    // A collision means a twin committed first; it is found on the next look. A dedup twin that was
    // resolved in between lets the next attempt create a fresh alert, hence the loop.
    for (let attempt = 1; ; attempt++) {
      const [alert] = (await this.insert([{ ...input, id: randomUUID() }], limits)) ?? [];
      if (alert) {
        // The rest of the request's lines name the alert.
        addToContext({ alertId: alert.id, tenantId: alert.tenantId });
        return { alert, outcome: 'created' };
      }
      const twin = await this.findExisting(twinKey);
      if (twin) return twin;
      if (attempt >= MAX_RAISE_ATTEMPTS) throw new Error('alert insert kept colliding but no twin was found');
    }
  }

  /**
   * Raises many alerts of one tenant (an integration's storm), ALERT_CHUNK_SIZE per statement: per chunk one
   * look for open twins, then one write. An alert whose dedup key is open already is answered with that
   * alert (`deduplicated`). A chunk that collides with a twin raised meanwhile (or holds one dedup key
   * twice) wrote nothing, and its alerts are raised one by one instead. Answers in the order given.
   */
  async raiseAll(requests: readonly BatchRaiseRequest[]): Promise<Array<{ alert: Alert; outcome: RaiseOutcome }>> {
    const answers: Array<{ alert: Alert; outcome: RaiseOutcome }> = [];
    for (let start = 0; start < requests.length; start += ALERT_CHUNK_SIZE) {
      answers.push(...(await this.raiseChunk(requests.slice(start, start + ALERT_CHUNK_SIZE))));
    }
    return answers;
  }

  private async raiseChunk(requests: readonly BatchRaiseRequest[]): Promise<Array<{ alert: Alert; outcome: RaiseOutcome }>> {
    const tenantId = requests[0]?.tenantId;
    if (tenantId === undefined) return [];
    const open = await this.findOpenAll(tenantId, requests.map((r) => r.dedupKey));
    const fresh = requests.filter((r) => !open.has(r.dedupKey));
    const inputs = await Promise.all(fresh.map(async (r) => ({ ...(await this.prepare(r)), id: randomUUID() })));
    const stored = inputs.length > 0 ? await this.insert(inputs) : [];
    if (stored === null) {
      const oneByOne: Array<{ alert: Alert; outcome: RaiseOutcome }> = [];
      for (const request of requests) oneByOne.push(await this.raise(request));
      return oneByOne;
    }
    const created = new Map(stored.map((alert) => [alert.dedupKey, alert]));
    return requests.map((r) => {
      const twin = open.get(r.dedupKey);
      return twin ? { alert: twin, outcome: 'deduplicated' as const } : { alert: created.get(r.dedupKey)!, outcome: 'created' as const };
    });
  }

  /**
   * The request with its targets resolved, and narrowed by the paging plan. A raise for a service fires its
   * policy's step 1 here (a step finding nobody on call moves to the next at once): whoever it reaches joins the
   * named targets, and the alert goes to the service's channel unless the raise names one.
   */
  private async prepare({ service: serviceName = null, serviceField = 'service', ...request }: Omit<RaiseRequest, 'freshRequestId' | 'limits'>): Promise<NewAlert> {
    const started = serviceName === null ? null : await this.startEscalation(request.tenantId, serviceName, serviceField, request.targets.length > 0);
    if (started && 'silenced' in started) {
      // In maintenance: recorded, in the service's channel, and paged to nobody (the named targets included).
      return { ...request, ...readableText(request), slackChannelId: request.slackChannelId ?? started.slackChannel, escalation: null, targets: [], silenced: true, createdNote: started.silenced };
    }
    const onCall = started?.escalation.fired.flatMap((step) => step.reach.paged.map((p) => p.person)) ?? [];
    const named = new Set(request.targets.flatMap((t) => ('slackUserId' in t ? [t.slackUserId] : [])));
    const requested = [...request.targets, ...[...new Set(onCall)].filter((person) => !named.has(person)).map((slackUserId) => ({ slackUserId }))];
    const resolved: NewAlert = {
      ...request,
      ...readableText(request),
      slackChannelId: request.slackChannelId ?? started?.slackChannel ?? null,
      escalation: started?.escalation ?? null,
      targets: await this.targets.resolve(request.tenantId, requested),
    };
    return { ...resolved, targets: this.hooks.planTargets(resolved) };
  }

  private async startEscalation(tenantId: string, named: NonNullable<RaiseRequest['service']>, field: string, alsoPaged: boolean) {
    if (!this.services) throw new ValidationError(`${field}: this backend pages no services`);
    const services = this.services;
    const name = typeof named === 'string' ? named : (await services.serviceOfUsergroup(tenantId, named.usergroup))?.name;
    if (name === undefined) {
      throw new ValidationError(`slack_usergroup: no service of tenant ${tenantId} is linked to the Slack user group ${(named as { usergroup: string }).usergroup}; link one with PUT /services (slack_usergroup), or page it as service:name`);
    }
    const { slackChannel, run } = await services.runOf(tenantId, name, field);
    const window = await this.maintenance?.inMaintenanceNow(tenantId, name);
    if (window) return { slackChannel, silenced: maintenanceNote(name, window) };
    const { fired, end } = await walkSteps(run, 0, (step) => services.reach(tenantId, step.targets), alsoPaged);
    return { slackChannel, escalation: { run, fired, end } };
  }

  /**
   * One attempt: every alert's hooks add to one batch, then the single statement. Null when a twin's unique
   * rule refused one of them (then nothing was written).
   */
  private async insert(alerts: readonly IdentifiedAlert[], limits: PagingCharge | null = null): Promise<Alert[] | null> {
    const batch = new RaiseBatch();
    const created: NewAlertEvent[] = [];
    for (const alert of alerts) {
      // The jobs the hooks queue name the alert (and the request), so their log lines can be found by it.
      await runWithContext({ alertId: alert.id, tenantId: alert.tenantId }, () => this.hooks.raised(batch, alert));
      created.push({
        alertId: alert.id,
        tenantId: alert.tenantId,
        kind: 'created',
        actor: creatorOf(alert),
        note: alert.createdNote ?? null,
        data: {
          severity: alert.severity,
          source: alert.source,
          origin: alert.origin,
          targets: alert.targets.map((target) => ({ slack_user_id: target.slackUserId, status: target.status, reason: target.reason })),
        },
      });
    }
    const escalated = alerts.flatMap((alert) => (alert.escalation ? escalationEvents(alert, alert.escalation.run, alert.escalation.fired, alert.escalation.end) : []));
    const writes = [appendAlertEventsQuery([...created, ...escalated, ...batch.events]), ...batch.writes, ...batch.conditionalWrites()];
    const conditionalJobs = batch.conditionalJobs();
    const stored = await insertRaises(this.db, alerts, writes, batch.jobs.length + conditionalJobs.length > 0 ? addJobsQuery(batch.jobs, conditionalJobs) : null, limits);
    if (!stored) return null;
    for (const done of batch.onStored) done();
    for (const alert of stored) this.logger.info('alert raised', { alertId: alert.id, tenantId: alert.tenantId, alertNumber: alert.number, severity: alert.severity });
    return stored;
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
    return (await this.findOpenAll(tenantId, [dedupKey])).get(dedupKey) ?? null;
  }

  /** The tenant's open alerts with any of these dedup keys, by dedup key, in one query. */
  async findOpenAll(tenantId: string, dedupKeys: readonly string[]): Promise<Map<string, Alert>> {
    return new Map((await findOpenAlertsByDedupKeys(this.db, tenantId, dedupKeys)).map((alert) => [alert.dedupKey!, alert]));
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
    const { after, covered } = await this.db.tx('transition-alert', async (t) => {
      const before = await this.find(t, ref, scope);
      const { moved, covered } = await this.move(t, [before.id], action, change.actor, () => change.note);
      if (!moved[0]) throw refusal((await findAlertById(t, before.id))!, action);
      return { after: moved[0], covered };
    });
    this.logger.info(`alert ${ACTION_EVENT[action]}`, { alertId: after.id, tenantId: after.tenantId, alertNumber: after.number, actor: change.actor, covered });
    return after;
  }

  /**
   * Makes the same move for many alerts (an integration ending a storm), ALERT_CHUNK_SIZE per transaction.
   * An alert already past the move (resolved by someone meanwhile, say) is left as it is and is not in the
   * answer: what was asked for holds. Answers the alerts it moved.
   */
  async transitionAll(alerts: readonly Pick<Alert, 'id'>[], action: AlertAction, change: { actor: string; note: string | null }): Promise<Alert[]> {
    const moved: Alert[] = [];
    for (let start = 0; start < alerts.length; start += ALERT_CHUNK_SIZE) {
      const ids = alerts.slice(start, start + ALERT_CHUNK_SIZE).map((alert) => alert.id);
      moved.push(...(await this.db.tx('transition-alerts', async (t) => (await this.move(t, ids, action, change.actor, () => change.note)).moved)));
    }
    for (const alert of moved) this.logger.info(`alert ${ACTION_EVENT[action]}`, { alertId: alert.id, tenantId: alert.tenantId, alertNumber: alert.number, actor: change.actor });
    return moved;
  }

  /**
   * In the caller's transaction: one conditional UPDATE for all of `ids` (one already past the move is left
   * as it is), their events, the hooks, then the same move for the open alerts recorded under any of them
   * (the person who took a summary took those too). Answers the alerts of `ids` it moved, oldest first, and
   * how many recorded alerts moved with them.
   */
  private async move(t: Queryable, ids: readonly string[], action: AlertAction, actor: string, noteOf: (alert: Alert) => string | null): Promise<{ moved: Alert[]; covered: number }> {
    const moved = await findAlertsByIds(t, await transitionAlerts(t, ids, action, actor));
    if (moved.length === 0) return { moved, covered: 0 };
    await appendAlertEvents(t, moved.map((alert) => ({ alertId: alert.id, tenantId: alert.tenantId, kind: ACTION_EVENT[action], actor, note: noteOf(alert), data: {} })));
    await this.hooks.transitioned(t, moved, action);
    const summaries = new Map(moved.map((alert) => [alert.id, alert]));
    const covered = await this.move(t, await findOpenCoveredAlertIds(t, [...summaries.keys()]), action, actor, (alert) => `with summary #${summaries.get(alert.coveredBy!)!.number}`);
    return { moved, covered: covered.moved.length };
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

  private async findExisting({ tenantId, requestId, dedupKey }: TwinKey): Promise<{ alert: Alert; outcome: RaiseOutcome } | null> {
    const twin = await findRaiseTwin(this.db, tenantId, requestId, dedupKey);
    if (!twin) return null;
    return { alert: twin, outcome: requestId !== null && twin.requestId === requestId ? 'replayed' : 'deduplicated' };
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
