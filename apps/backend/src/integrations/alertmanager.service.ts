import type { Logger } from '@klaxon/logger';
import type { Alert, RequestedTarget } from '../alerts/alert';
import type { AlertService, RaiseRequest } from '../alerts/alert.service';
import { ValidationError } from '../errors';
import {
  groupNameOf,
  highestSeverity,
  messageOf,
  PAGE_LABEL,
  PageListError,
  parsePageList,
  ruleNameOf,
  severityOf,
  sourceOf,
  SUMMARY_THRESHOLD,
  summaryDedupKey,
  summaryMessage,
  targetsKey,
  type AlertmanagerAlert,
  type AlertmanagerPayload,
} from './alertmanager';

/** Who acts for Alertmanager in the audit trail (a resolution Alertmanager sent). */
export const ALERTMANAGER_ACTOR = 'alertmanager';

export interface AlertmanagerWebhook {
  tenantId: string;
  payload: AlertmanagerPayload;
  /** The route's `page` list, for alerts without a `page` label; null when the route names nobody. */
  defaultTargets: RequestedTarget[] | null;
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

/** What one webhook did; every alert of the payload lands in exactly one list (summaries in their own). */
export interface AlertmanagerOutcome {
  /** New firing alerts, each paging its people. */
  raised: HandledAlert[];
  /** New firing alerts covered by a summary: stored (so they dedup and resolve) but paging no one. */
  recorded: HandledAlert[];
  /** Summary alerts raised by this webhook, one per group and set of people. */
  summaries: HandledAlert[];
  /** Firing alerts that were already open (a group update, repeat_interval): nobody paged again. */
  deduplicated: HandledAlert[];
  /** Open alerts this webhook resolved (alerts Alertmanager sent as resolved, and their group's summary). */
  resolved: HandledAlert[];
  /** Fingerprints sent as resolved with no open alert: already resolved, or never raised here. */
  notOpen: string[];
}

interface NewFiring {
  alert: AlertmanagerAlert;
  targets: RequestedTarget[];
}

/**
 * Turns an Alertmanager webhook into Klaxon alerts: one per alert (dedup key = its fingerprint), a summary
 * page instead of many when a group brings a storm, and resolutions by `alertmanager`. Knows nothing of HTTP.
 */
export class AlertmanagerService {
  constructor(private readonly options: { alerts: AlertService; logger: Logger }) {}

  async receive(webhook: AlertmanagerWebhook): Promise<AlertmanagerOutcome> {
    const { alerts } = this.options;
    const { tenantId, payload } = webhook;
    // Every alert's targets are checked before anything is written: a webhook is taken whole or not at all.
    const targeted = payload.alerts.map((alert, i) => ({ alert, targets: this.targetsOf(alert, i, webhook.defaultTargets) }));
    const outcome: AlertmanagerOutcome = { raised: [], recorded: [], summaries: [], deduplicated: [], resolved: [], notOpen: [] };

    const fresh = new Map<string, NewFiring[]>();
    const openAlerts = await alerts.findOpenAll(
      tenantId,
      targeted.filter((item) => item.alert.status === 'firing').map((item) => item.alert.fingerprint),
    );
    for (const item of targeted) {
      if (item.alert.status !== 'firing') continue;
      const open = openAlerts.get(item.alert.fingerprint);
      if (open) {
        outcome.deduplicated.push({ alert: open, dedupKey: item.alert.fingerprint });
        continue;
      }
      const people = targetsKey(item.targets);
      fresh.set(people, [...(fresh.get(people) ?? []), item]);
    }

    // Per set of people: a few new alerts page one by one; more than the threshold, or any while the
    // group's summary for them is still open, are recorded under one summary page. A group Alertmanager
    // cut short (max_alerts) is larger than what came, so it is a storm however few did.
    const plans = await Promise.all(
      [...fresh].map(async ([people, items]) => {
        const key = summaryDedupKey(payload.groupKey, people);
        const openSummary = await alerts.findOpen(tenantId, key);
        const summarize = items.length > SUMMARY_THRESHOLD || payload.truncatedAlerts > 0 || openSummary !== null;
        return { items, key, summarize, openSummary };
      }),
    );
    const pages = plans.reduce((n, plan) => n + (plan.summarize ? (plan.openSummary ? 0 : 1) : plan.items.length), 0);
    await webhook.admit(pages);

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
        });
        (summary.outcome === 'created' ? outcome.summaries : outcome.deduplicated).push({ alert: summary.alert, dedupKey: plan.key });
        summaryAlert = summary.alert;
      }
      // A recorded alert has no people and no channel: the summary is what wakes someone, is shown, and is
      // acknowledged or resolved for it.
      const raised = await alerts.raiseAll(
        plan.items.map((item) => ({
          ...this.common(webhook),
          ...this.describe(item.alert, payload.receiver),
          slackChannelId: plan.summarize ? null : webhook.slackChannelId,
          targets: plan.summarize ? [] : item.targets,
          coveredBy: summaryAlert?.id ?? null,
        })),
      );
      const created = raised.filter((r) => r.outcome === 'created').map((r) => r.alert);
      const taken = summaryAlert?.status === 'acknowledged' ? await this.takenWith(created, summaryAlert) : new Map<string, Alert>();
      for (const [i, { alert, outcome: how }] of raised.entries()) {
        const list = how !== 'created' ? outcome.deduplicated : plan.summarize ? outcome.recorded : outcome.raised;
        list.push({ alert: taken.get(alert.id) ?? alert, dedupKey: plan.items[i]!.alert.fingerprint });
      }
    }

    const ended = targeted.filter((item) => item.alert.status === 'resolved').map((item) => item.alert.fingerprint);
    outcome.resolved.push(...(await this.resolveAll(tenantId, ended)));
    const resolvedKeys = new Set(outcome.resolved.map((handled) => handled.dedupKey));
    outcome.notOpen.push(...ended.filter((fingerprint) => !resolvedKeys.has(fingerprint)));
    // The group as a whole has ended: its summaries end with it.
    if (payload.status === 'resolved') {
      const summaryKeys = new Set(targeted.map((item) => summaryDedupKey(payload.groupKey, targetsKey(item.targets))));
      outcome.resolved.push(...(await this.resolveAll(tenantId, [...summaryKeys])));
    }

    if (payload.truncatedAlerts > 0) {
      // People must learn that alerts are missing: the summary says so too, and the answer counts them.
      this.options.logger.warn('alertmanager left alerts out of a webhook', {
        tenantId,
        receiver: payload.receiver,
        truncatedAlerts: payload.truncatedAlerts,
        hint: 'the receiver sets max_alerts; those alerts are not recorded in Klaxon',
      });
    }
    this.options.logger.info('alertmanager webhook', {
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
    });
    return outcome;
  }

  private targetsOf(alert: AlertmanagerAlert, index: number, fallback: RequestedTarget[] | null): RequestedTarget[] {
    const label = alert.labels[PAGE_LABEL];
    if (label === undefined) {
      if (fallback) return fallback;
      throw new ValidationError(
        `alerts[${index}].labels.page: nobody to page for ${alert.labels.alertname ?? alert.fingerprint}; add a "page" label to the alert rule ` +
          '(Slack user ids and/or E.164 numbers, comma-separated) or ?page=U024BE7LH,+14155550101 to the receiver URL',
      );
    }
    try {
      return parsePageList(label);
    } catch (error) {
      if (error instanceof PageListError) throw new ValidationError(`alerts[${index}].labels.page: ${error.message}`);
      throw error;
    }
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
      dedupKey: alert.fingerprint,
    };
  }

  /** New alerts recorded under a summary someone has already taken: taken by them too, as the summary's were. */
  private async takenWith(alerts: readonly Alert[], summary: Alert): Promise<Map<string, Alert>> {
    const actor = summary.acknowledgedBy ?? ALERTMANAGER_ACTOR;
    // One that moved in the meantime (the summary's own move reached it first) is taken either way.
    const taken = await this.options.alerts.transitionAll(alerts, 'acknowledge', { actor, note: `with summary #${summary.number}` });
    return new Map(taken.map((alert) => [alert.id, alert]));
  }

  /**
   * Resolves the tenant's open alerts with these dedup keys, as alertmanager, in chunks. One resolved by
   * someone in the meantime is left out: what Alertmanager asked for is done.
   */
  private async resolveAll(tenantId: string, dedupKeys: readonly string[]): Promise<HandledAlert[]> {
    const { alerts } = this.options;
    const open = await alerts.findOpenAll(tenantId, dedupKeys);
    const resolved = await alerts.transitionAll([...open.values()], 'resolve', { actor: ALERTMANAGER_ACTOR, note: 'resolved in Alertmanager' });
    return resolved.map((alert) => ({ alert, dedupKey: alert.dedupKey! }));
  }
}
