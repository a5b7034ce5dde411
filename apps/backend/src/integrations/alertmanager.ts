import { createHash } from 'node:crypto';
import { SEVERITIES, SLACK_USER_ID_PATTERN, SLUG_PATTERN, type Severity } from '@klaxon/contracts';
import { maskPhone } from '@klaxon/logger';
import type { RequestedTarget } from '../contacts/target';

// Pure rules that turn Alertmanager's webhook (payload version 4) into Klaxon alerts. No HTTP, no database:
// the route validates the payload, AlertmanagerService applies what these functions decide.

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  startsAt?: string | undefined;
  endsAt?: string | undefined;
  generatorURL?: string | undefined;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: AlertmanagerAlert[];
  /** How many alerts of the group Alertmanager left out of this webhook (the receiver's `max_alerts`). */
  truncatedAlerts: number;
}

/**
 * More new firing alerts than this, for the same people in one webhook, page them once with a summary
 * instead of once each. Three still reads as three pages; a fourth is a storm.
 */
export const SUMMARY_THRESHOLD = 3;

export const PAGE_LABEL = 'page';
/** The label naming one of the tenant's services: its escalation policy pages whoever is on call. */
export const SERVICE_LABEL = 'service';
const E164 = /^\+[1-9][0-9]{6,14}$/;
const MAX_TARGETS = 20;
const MAX_MESSAGE = 2000;
const MAX_SOURCE = 255;
const MAX_RULE_NAME = 200;
/** The longest fingerprint taken as given (Alertmanager's are 16 hex digits). */
export const MAX_FINGERPRINT = 200;

/** The `severity` label as Klaxon's severity: Prometheus conventions first, anything unknown pages as high. */
export function severityOf(label: string | undefined): Severity {
  switch (label?.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'error':
      return 'high';
    case 'warning':
      return 'medium';
    case 'info':
      return 'low';
    default:
      // Unknown or missing: a monitoring alert somebody routed to Klaxon is worth waking someone for.
      return 'high';
  }
}

export class PageListError extends Error {}

/** A page list read entry by entry: the people it names, and why each other entry was refused. */
export interface PageList {
  targets: RequestedTarget[];
  refused: string[];
}

/**
 * `U024BE7LH,+14155550101`: Slack user ids, and E.164 numbers when `allowNumbers`, comma-separated; the same
 * person twice is one target. Never throws: what it refuses it says, one sentence per entry.
 */
export function readPageList(list: string, { allowNumbers }: { allowNumbers: boolean }): PageList {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length > MAX_TARGETS) return { targets: [], refused: [`names ${entries.length} targets; at most ${MAX_TARGETS}`] };
  const targets: RequestedTarget[] = [];
  const refused: string[] = [];
  for (const entry of entries) {
    if (SLACK_USER_ID_PATTERN.test(entry)) targets.push({ slackUserId: entry });
    else if (E164.test(entry) && allowNumbers) targets.push({ phone: entry });
    else if (E164.test(entry)) refused.push(`"${maskPhone(entry)}" is a phone number: a label may name Slack user ids only (allow_numbers=true on the receiver URL lets labels page numbers)`);
    else refused.push(notATarget(entry, allowNumbers));
  }
  // The same person twice in the list is one target: they are paged once.
  const seen = new Set<string>();
  return {
    targets: targets.filter((t) => {
      const key = targetKey(t);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
    refused,
  };
}

function notATarget(entry: string, allowNumbers: boolean): string {
  // Something that looks like a number is masked: the reason is stored and sent back, a number is personal.
  const shown = /^[+0-9 ().-]{7,}$/.test(entry) ? maskPhone(entry) : entry.slice(0, 40);
  if (!allowNumbers) return `"${shown}" is not a Slack user id (U024BE7LH)`;
  // A "+" in a query string arrives as a space, which the trim took: say so rather than guess the number.
  const plus = /^[0-9]{7,15}$/.test(entry) ? '; in a URL write the "+" of a number as %2B' : '';
  return `"${shown}" is neither a Slack user id (U024BE7LH) nor an E.164 number (+14155550101)${plus}`;
}

/** The receiver URL's `page` list: Slack user ids and E.164 numbers (the operator's own config); throws naming the first bad entry. */
export function parsePageList(list: string): RequestedTarget[] {
  const { targets, refused } = readPageList(list, { allowNumbers: true });
  if (refused[0] !== undefined) throw new PageListError(refused[0]);
  if (targets.length === 0) throw new PageListError('is empty: give Slack user ids and/or E.164 numbers, comma-separated (U024BE7LH,+14155550101)');
  return targets;
}

/** What the receiver URL says about whom to page. It is authoritative: labels count only where it is silent. */
export interface ReceiverRoute {
  /** The URL's `page` list; null when it names nobody. */
  page: RequestedTarget[] | null;
  /** The URL's `service`: every alert pages it, whatever its labels say; null when the URL names none. */
  service: string | null;
  /** `allow_numbers=true`: a `page` label may name E.164 numbers as well as Slack user ids. */
  allowNumbers: boolean;
}

/** What Klaxon could not take of one alert as it came: where (`labels.page`, `fingerprint`, …) and why. */
export interface AlertProblem {
  field: string;
  reason: string;
}

/** An alert that failed the payload schema: why (the first problem found), and the fingerprint it gave, if usable. */
export interface MalformedAlert {
  problem: AlertProblem;
  fingerprint: string | null;
}

/** Whom one alert pages (people, a service), and what of its own routing was refused (null: nothing). */
export interface Routing {
  targets: RequestedTarget[];
  service: string | null;
  problem: AlertProblem | null;
}

/**
 * Whom an alert pages. The receiver URL is authoritative: its `page` and `service` win over labels (a label can
 * neither skip those nor add anyone), and the `service` and `page` labels are read only when the URL names
 * nobody: a service of the tenant by name, and Slack user ids only (numbers with `allow_numbers=true`). A
 * malformed alert (`malformed`: the route's finding) pages what the URL names, else nobody. A refused label
 * entry or a malformed alert is the alert's problem; whoever is still found is paged. Whether a service label
 * names one of the tenant's services is not known here: the caller checks (`withoutService`).
 */
export function routeOf(alert: Pick<AlertmanagerAlert, 'labels'>, route: ReceiverRoute, malformed: AlertProblem | null = null): Routing {
  const label = alert.labels[PAGE_LABEL];
  const read = label === undefined ? null : readPageList(label, { allowNumbers: route.allowNumbers });
  const refusedLabel = (refused: string[]): AlertProblem | null => (refused.length > 0 ? { field: `labels.${PAGE_LABEL}`, reason: refused.join('; ') } : null);
  if (route.page || route.service) return { targets: route.page ?? [], service: route.service, problem: malformed ?? refusedLabel(read?.refused ?? []) };
  if (malformed) return { targets: [], service: null, problem: malformed };
  const serviceLabel = alert.labels[SERVICE_LABEL];
  const service = serviceLabel !== undefined && SLUG_PATTERN.test(serviceLabel) ? serviceLabel : null;
  const badService: AlertProblem | null =
    serviceLabel !== undefined && service === null
      ? { field: `labels.${SERVICE_LABEL}`, reason: `${JSON.stringify(clip(serviceLabel, 80))} is not a service name (1 to 64 of a-z, 0-9 and "-")` }
      : null;
  if (service === null && (!read || (read.targets.length === 0 && read.refused.length === 0))) {
    const reason = 'nobody to page: add a "page" label (Slack user ids, comma-separated) or a "service" label (one of the tenant\'s services) to the alert rule, or page=U024BE7LH or service=… to the receiver URL';
    return { targets: [], service: null, problem: badService ?? { field: `labels.${PAGE_LABEL}`, reason } };
  }
  return { targets: read?.targets ?? [], service, problem: badService ?? refusedLabel(read?.refused ?? []) };
}

/** An alert whose `service` label names none of the tenant's services: paged to the rest of its labels, and said why. */
export function withoutService(routing: Routing, tenantId: string): Routing {
  const problem = { field: `labels.${SERVICE_LABEL}`, reason: `tenant ${tenantId} has no service "${routing.service}"` };
  return { ...routing, service: null, problem: routing.problem ?? problem };
}

/** The people and service an alert pages, as one key: alerts paging the same are summarised together. */
export const pagedKey = (routing: Pick<Routing, 'targets' | 'service'>): string => (routing.service === null ? '' : `service:${routing.service}|`) + targetsKey(routing.targets);

/**
 * An alert that failed the payload schema, taken as far as it can be: the string labels and annotations,
 * its status when it is one, and its fingerprint when it has a usable one, else one made from its labels
 * (so the same alert sent again is recognised, as Alertmanager's own fingerprint would be).
 */
export function lenientAlert(raw: unknown): AlertmanagerAlert & { fingerprintGiven: boolean } {
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const strings = (value: unknown): Record<string, string> =>
    typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
  const labels = strings(fields.labels);
  const given = typeof fields.fingerprint === 'string' && fields.fingerprint.length > 0 && fields.fingerprint.length <= MAX_FINGERPRINT ? fields.fingerprint : null;
  const sorted = Object.keys(labels)
    .sort()
    .map((name) => [name, labels[name]]);
  return {
    status: fields.status === 'resolved' ? 'resolved' : 'firing',
    labels,
    annotations: strings(fields.annotations),
    fingerprint: given ?? `labels-${createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)}`,
    fingerprintGiven: given !== null,
  };
}

const targetKey = (t: RequestedTarget): string => ('slackUserId' in t ? t.slackUserId : t.phone);

/** The same set of people, however the list was ordered: summaries are per set of people paged. */
export const targetsKey = (targets: readonly RequestedTarget[]): string => targets.map(targetKey).sort().join(',');

const oneLine = (text: string): string => text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const HIDDEN_LABELS = new Set(['alertname', PAGE_LABEL, 'severity']);

/** The `summary` annotation, else the alert name and its labels (`HighLatency {instance="db-1", job="api"}`). */
export function messageOf(alert: Pick<AlertmanagerAlert, 'labels' | 'annotations'>): string {
  const summary = oneLine(alert.annotations.summary ?? '');
  if (summary) return clip(summary, MAX_MESSAGE);
  const labels = Object.keys(alert.labels)
    .filter((name) => !HIDDEN_LABELS.has(name))
    .sort()
    .map((name) => `${name}="${oneLine(alert.labels[name]!)}"`);
  const name = oneLine(alert.labels.alertname ?? '') || 'Alertmanager alert';
  return clip(labels.length > 0 ? `${name} {${labels.join(', ')}}` : name, MAX_MESSAGE);
}

/** Which system it is about, for people reading the alert: the instance, else the job, else the receiver. */
export function sourceOf(alert: Pick<AlertmanagerAlert, 'labels'>, receiver: string): string {
  const named = [alert.labels.instance, alert.labels.job, receiver].map((value) => oneLine(value ?? '')).find((value) => value.length > 0);
  return clip(named ?? 'alertmanager', MAX_SOURCE);
}

export function ruleNameOf(alert: Pick<AlertmanagerAlert, 'labels'>): string | null {
  const name = oneLine(alert.labels.alertname ?? '');
  return name ? clip(name, MAX_RULE_NAME) : null;
}

export const highestSeverity = (severities: readonly Severity[]): Severity =>
  severities.reduce<Severity>((top, s) => (SEVERITIES.indexOf(s) > SEVERITIES.indexOf(top) ? s : top), 'low');

/**
 * An alert's dedup key: its fingerprint within the receiver that sent it, so the same alert routed to two
 * receivers (`continue: true`) is two Klaxon alerts, each paging its own receiver's people. The receiver
 * is hashed (it may hold any character, and the hash's fixed length keeps the key unambiguous); the
 * fingerprint stays readable, to find the alert in Alertmanager.
 */
export function alertDedupKey(receiver: string, fingerprint: string): string {
  return `alertmanager:${fingerprint}:${createHash('sha256').update(receiver).digest('hex').slice(0, 16)}`;
}

/**
 * The summary's dedup key: one per Alertmanager group and set of people. Hashed because a group key holds
 * every grouping label and can be longer than a dedup key may be.
 */
export function summaryDedupKey(groupKey: string, people: string): string {
  return `alertmanager-group:${createHash('sha256').update(`${groupKey}\n${people}`).digest('hex').slice(0, 32)}`;
}

/** What the group is about, for the summary: its grouping label values, else the receiver. */
export function groupNameOf(payload: Pick<AlertmanagerPayload, 'groupLabels' | 'receiver'>): string {
  const values = Object.keys(payload.groupLabels)
    .sort()
    .map((name) => oneLine(payload.groupLabels[name]!))
    .filter((value) => value.length > 0);
  return clip(values.length > 0 ? values.join('/') : oneLine(payload.receiver) || 'alertmanager', 200);
}

/**
 * "14 alerts firing for checkout: HighLatency, ErrorRate (3), …", within a message's length. Alerts
 * Alertmanager left out (`leftOut`) are said before the names, which the length limit may cut.
 */
export function summaryMessage(group: string, alerts: readonly Pick<AlertmanagerAlert, 'labels' | 'annotations'>[], leftOut = 0): string {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    const name = ruleNameOf(alert) ?? messageOf(alert);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const names = [...counts].map(([name, count]) => (count > 1 ? `${name} (${count})` : name));
  const missing = leftOut > 0 ? ` (and ${leftOut} more Alertmanager left out: max_alerts)` : '';
  return clip(`${alerts.length} alerts firing for ${group}${missing}: ${names.join(', ')}`, MAX_MESSAGE);
}
