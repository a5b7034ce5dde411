import type { Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { ValidationError } from '../common/errors';
import type { ServicePaging } from '../oncall/service-paging';
import type { AlertService, BatchRaiseRequest, RaiseRequest } from '../alerts/alert.service';
import {
  alertDedupKey,
  groupNameOf,
  highestSeverity,
  messageOf,
  pagedKey,
  routeOf,
  ruleNameOf,
  severityOf,
  sourceOf,
  SUMMARY_THRESHOLD,
  summaryDedupKey,
  summaryMessage,
  withoutService,
  type AlertmanagerAlert,
  type AlertmanagerPayload,
  type AlertProblem,
  type MalformedAlert,
  type ReceiverRoute,
  type Routing,
} from './alertmanager';

/** Who acts for Alertmanager in the audit trail (a resolution Alertmanager sent). */
export const ALERTMANAGER_ACTOR = 'alertmanager';

export interface AlertmanagerWebhook {
  tenantId: string;
  payload: AlertmanagerPayload;
  /** What the receiver URL says about whom to page: authoritative over labels. */
  route: ReceiverRoute;
  /** The alerts of the payload that failed its schema, by index (taken as far as they go). */
  malformed: ReadonlyMap<number, MalformedAlert>;
  /** The Slack channel the alerts' messages go to; null for none. */
  slackChannelId: string | null;
  /**
   * Called once with the number of pages about to be raised, before anything is written: throws to refuse
   * them all (the rate limits). Deduplicated, recorded and resolved alerts page no one and are not counted.
   */
  admit(pages: number): Promise<void>;
}

export interface HandledAlert {
  alert: Alert;
  /** The fingerprint, or the summary's group key. */
  dedupKey: string;
}

/** An alert Klaxon could not take as it came, and what became of it. */
export interface ProblemReport {
  index: number;
  /** The fingerprint it gave; null when it had none usable. */
  fingerprint: string | null;
  problem: AlertProblem;
  /** The Klaxon alert it is (null: sent as resolved, with no open alert). */
  alert: Alert | null;
  /** Whether it pages anyone: the receiver URL's people, or the rest of its label. */
  paged: boolean;
}

/** What one webhook did; every alert of the payload lands in exactly one list (summaries in their own). */
export interface AlertmanagerOutcome {
  /** New firing alerts, each paging its people. */
  raised: HandledAlert[];
  /** New firing alerts stored without paging: covered by a summary, or with nobody to page (see `problems`). */
  recorded: HandledAlert[];
  /** Summary alerts raised by this webhook, one per group and set of people. */
  summaries: HandledAlert[];
  /** Firing alerts that were already open (a group update, repeat_interval): nobody paged again. */
  deduplicated: HandledAlert[];
  /** Open alerts this webhook resolved (alerts Alertmanager sent as resolved, and their group's summary). */
  resolved: HandledAlert[];
  /** Fingerprints sent as resolved with no open alert: already resolved, or never raised here. */
  notOpen: string[];
  /** Alerts taken otherwise than they asked (a refused label, a malformed alert); each is in a list above too. */
  problems: ProblemReport[];
}

/** One alert of the payload with whom it pages. */
interface Routed extends Routing {
  index: number;
  alert: AlertmanagerAlert;
}

/**
 * Turns an Alertmanager webhook into Klaxon alerts: one per alert and receiver (`alertDedupKey`), a summary
 * page instead of many when a group brings a storm, and resolutions by `alertmanager`. A group is taken alert
 * by alert: one Klaxon cannot route as it asks is still recorded, and reported. Knows nothing of HTTP.
 */
export class AlertmanagerService {
  constructor(private readonly options: { alerts: AlertService; logger: Logger; services: Pick<ServicePaging, 'serviceNamed'> }) {}

  async receive(webhook: AlertmanagerWebhook): Promise<AlertmanagerOutcome> {
    const { alerts } = this.options;
    const { tenantId, payload } = webhook;
    if (webhook.route.service !== null && !(await this.options.services.serviceNamed(tenantId, webhook.route.service))) {
      // The receiver URL is the operator's config, the same for every alert: refused whole, before anything is written.
      throw new ValidationError(`service: tenant ${tenantId} has no service "${webhook.route.service}"`);
    }
    const routed = await this.knownServices(
      tenantId,
      payload.alerts.map((alert, index) => ({ index, alert, ...routeOf(alert, webhook.route, webhook.malformed.get(index)?.problem ?? null) })),
    );
    const outcome: AlertmanagerOutcome = { raised: [], recorded: [], summaries: [], deduplicated: [], resolved: [], notOpen: [], problems: [] };
    const handled = new Map<number, Alert>();

    const firing = routed.filter((item) => item.alert.status === 'firing');
    const openAlerts = await this.findOpen(tenantId, payload.receiver, firing.map((item) => item.alert.fingerprint));
    const fresh = new Map<string, Routed[]>();
    for (const item of firing) {
      const open = openAlerts.get(item.alert.fingerprint);
      if (open) {
        outcome.deduplicated.push({ alert: open, dedupKey: item.alert.fingerprint });
        handled.set(item.index, open);
        continue;
      }
      const paged = pagedKey(item);
      fresh.set(paged, [...(fresh.get(paged) ?? []), item]);
    }

    // Per set of people: a few new alerts page one by one; more than the threshold, or any while the
    // group's summary for them is still open, are recorded under one summary page. A group Alertmanager
    // cut short (max_alerts) is larger than what came, so it is a storm however few did.
    const plans = await Promise.all(
      [...fresh].map(async ([paged, items]) => {
        const key = summaryDedupKey(payload.groupKey, paged);
        const openSummary = await alerts.findOpen(tenantId, key);
        const summarize = items.length > SUMMARY_THRESHOLD || payload.truncatedAlerts > 0 || openSummary !== null;
        // Alerts nobody can be paged for page no one, alone or summarised.
        const pages = paged === '' ? 0 : summarize ? (openSummary ? 0 : 1) : items.length;
        return { items, key, summarize, pages };
      }),
    );
    await webhook.admit(plans.reduce((n, plan) => n + plan.pages, 0));

    for (const plan of plans) {
      let summaryAlert: Alert | null = null;
      if (plan.summarize) {
        const summary = await alerts.raise({
          ...this.common(webhook),
          severity: highestSeverity(plan.items.map((i) => severityOf(i.alert.labels.severity))),
          message: summaryMessage(groupNameOf(payload), plan.items.map((i) => i.alert), payload.truncatedAlerts),
          ruleName: null,
          source: payload.receiver.slice(0, 255) || ALERTMANAGER_ACTOR,
          dedupKey: plan.key,
          slackChannelId: webhook.slackChannelId,
          targets: plan.items[0]!.targets,
          service: plan.items[0]!.service,
        });
        (summary.outcome === 'created' ? outcome.summaries : outcome.deduplicated).push({ alert: summary.alert, dedupKey: plan.key });
        summaryAlert = summary.alert;
      }
      // A recorded alert has no people and no channel: the summary is what wakes someone, is shown, and is
      // acknowledged or resolved for it.
      const raised = await alerts.raiseAll(
        plan.items.map(
          (item): BatchRaiseRequest => ({
            ...this.common(webhook),
            ...this.describe(item.alert, payload.receiver),
            slackChannelId: plan.summarize ? null : webhook.slackChannelId,
            targets: plan.summarize ? [] : item.targets,
            service: plan.summarize ? null : item.service,
            coveredBy: summaryAlert?.id ?? null,
            createdNote: item.problem ? noteOf(item, webhook.route) : null,
          }),
        ),
      );
      const created = raised.filter((r) => r.outcome === 'created').map((r) => r.alert);
      const taken = summaryAlert?.status === 'acknowledged' ? await this.takenWith(created, summaryAlert) : new Map<string, Alert>();
      for (const [i, { alert, outcome: how }] of raised.entries()) {
        const item = plan.items[i]!;
        const list = how !== 'created' ? outcome.deduplicated : plan.summarize || !pagesSomeone(item) ? outcome.recorded : outcome.raised;
        list.push({ alert: taken.get(alert.id) ?? alert, dedupKey: item.alert.fingerprint });
        handled.set(item.index, taken.get(alert.id) ?? alert);
      }
    }

    const ended = routed.filter((item) => item.alert.status === 'resolved');
    const resolved = await this.resolveAll(await this.findOpen(tenantId, payload.receiver, ended.map((item) => item.alert.fingerprint)));
    outcome.resolved.push(...resolved);
    const resolvedByKey = new Map(resolved.map((r) => [r.dedupKey, r.alert]));
    for (const item of ended) {
      const alert = resolvedByKey.get(item.alert.fingerprint);
      if (alert) handled.set(item.index, alert);
      else outcome.notOpen.push(item.alert.fingerprint);
    }
    // The group as a whole has ended: its summaries end with it.
    if (payload.status === 'resolved') {
      const summaryKeys = new Set(routed.map((item) => summaryDedupKey(payload.groupKey, pagedKey(item))));
      outcome.resolved.push(...(await this.resolveAll(await alerts.findOpenAll(tenantId, [...summaryKeys]))));
    }

    for (const item of routed) {
      const malformed = webhook.malformed.get(item.index);
      // Whom a resolved alert would page no longer matters: only its own shape can be a problem then.
      if (!item.problem || (item.alert.status === 'resolved' && !malformed)) continue;
      outcome.problems.push({
        index: item.index,
        fingerprint: malformed ? malformed.fingerprint : item.alert.fingerprint,
        problem: item.problem,
        alert: handled.get(item.index) ?? null,
        paged: item.alert.status === 'firing' && pagesSomeone(item),
      });
    }
    this.log(webhook, outcome);
    return outcome;
  }

  private log({ tenantId, payload }: AlertmanagerWebhook, outcome: AlertmanagerOutcome): void {
    const { logger } = this.options;
    if (payload.truncatedAlerts > 0) {
      // People must learn that alerts are missing: the summary says so too, and the answer counts them.
      logger.warn('alertmanager left alerts out of a webhook', {
        tenantId,
        receiver: payload.receiver,
        truncatedAlerts: payload.truncatedAlerts,
        hint: 'the receiver sets max_alerts; those alerts are not recorded in Klaxon',
      });
    }
    if (outcome.problems.length > 0) {
      logger.warn('alertmanager alerts taken otherwise than they asked', {
        tenantId,
        receiver: payload.receiver,
        count: outcome.problems.length,
        // The first few say what to fix; the answer lists every one.
        problems: outcome.problems.slice(0, 5).map(({ index, fingerprint, problem, paged }) => ({ index, fingerprint, ...problem, paged })),
      });
    }
    logger.info('alertmanager webhook', {
      tenantId,
      receiver: payload.receiver,
      alerts: payload.alerts.length,
      truncatedAlerts: payload.truncatedAlerts,
      raised: outcome.raised.length,
      recorded: outcome.recorded.length,
      summaries: outcome.summaries.length,
      deduplicated: outcome.deduplicated.length,
      resolved: outcome.resolved.length,
      notOpen: outcome.notOpen.length,
      problems: outcome.problems.length,
    });
  }

  private common(webhook: AlertmanagerWebhook): Pick<RaiseRequest, 'tenantId' | 'origin' | 'slackUserId' | 'slackResponseUrl'> & { requestId: null } {
    // No request id: one webhook raises many alerts, and Alertmanager's retries are caught by the fingerprints.
    return { tenantId: webhook.tenantId, origin: 'alertmanager', requestId: null, slackUserId: null, slackResponseUrl: null };
  }

  private describe(alert: AlertmanagerAlert, receiver: string): Pick<RaiseRequest, 'severity' | 'message' | 'ruleName' | 'source'> & { dedupKey: string } {
    return {
      severity: severityOf(alert.labels.severity),
      message: messageOf(alert),
      ruleName: ruleNameOf(alert),
      source: sourceOf(alert, receiver),
      dedupKey: alertDedupKey(receiver, alert.fingerprint),
    };
  }

  /**
   * The tenant's open alert of each fingerprint sent by this receiver, by fingerprint. An alert raised before
   * dedup keys named the receiver carries the bare fingerprint: it is found by that (origin alertmanager
   * only, never an API alert with the same key), so after a deploy a repeat pages no one again and a
   * resolution still ends it. Until such an alert ends, it stands for every receiver of its fingerprint.
   */
  private async findOpen(tenantId: string, receiver: string, fingerprints: readonly string[]): Promise<Map<string, Alert>> {
    const open = await this.options.alerts.findOpenAll(tenantId, [...fingerprints.map((fingerprint) => alertDedupKey(receiver, fingerprint)), ...fingerprints]);
    const found = new Map<string, Alert>();
    for (const fingerprint of fingerprints) {
      const legacy = open.get(fingerprint);
      const alert = open.get(alertDedupKey(receiver, fingerprint)) ?? (legacy?.origin === 'alertmanager' ? legacy : undefined);
      if (alert) found.set(fingerprint, alert);
    }
    return found;
  }

  /** New alerts recorded under a summary someone has already taken: taken by them too, as the summary's were. */
  private async takenWith(alerts: readonly Alert[], summary: Alert): Promise<Map<string, Alert>> {
    const actor = summary.acknowledgedBy ?? ALERTMANAGER_ACTOR;
    // One that moved in the meantime (the summary's own move reached it first) is taken either way.
    const taken = await this.options.alerts.transitionAll(alerts, 'acknowledge', { actor, note: `with summary #${summary.number}` });
    return new Map(taken.map((alert) => [alert.id, alert]));
  }

  /**
   * Resolves these open alerts (by the key the answer names them with: a fingerprint, a summary's key) as
   * alertmanager, in chunks. One resolved by someone in the meantime is left out: what Alertmanager asked
   * for is done.
   */
  /** The routings with each `service` label checked: one naming none of the tenant's services pages the rest, and says why. */
  private async knownServices(tenantId: string, routed: readonly Routed[]): Promise<Routed[]> {
    const named = [...new Set(routed.flatMap((item) => (item.service === null ? [] : [item.service])))];
    const known = new Set((await Promise.all(named.map(async (name) => ((await this.options.services.serviceNamed(tenantId, name)) ? [name] : [])))).flat());
    return routed.map((item) => (item.service === null || known.has(item.service) ? item : { ...item, ...withoutService(item, tenantId) }));
  }

  private async resolveAll(open: ReadonlyMap<string, Alert>): Promise<HandledAlert[]> {
    const keyOf = new Map([...open].map(([key, alert]) => [alert.id, key]));
    const resolved = await this.options.alerts.transitionAll([...open.values()], 'resolve', { actor: ALERTMANAGER_ACTOR, note: 'resolved in Alertmanager' });
    return resolved.map((alert) => ({ alert, dedupKey: keyOf.get(alert.id)! }));
  }
}

/** The note on the `created` event of an alert taken otherwise than it asked: what was refused, and who is paged. */
function noteOf(item: Routed, route: ReceiverRoute): string {
  const { field, reason } = item.problem!;
  if (!pagesSomeone(item)) return `not paged: ${field}: ${reason}`;
  return `misrouted: ${field}: ${reason}; paged ${route.page ? "the receiver URL's people" : route.service ? "the receiver URL's service" : 'the rest of the label'} instead`;
}

const pagesSomeone = (item: Pick<Routing, 'targets' | 'service'>): boolean => item.targets.length > 0 || item.service !== null;
