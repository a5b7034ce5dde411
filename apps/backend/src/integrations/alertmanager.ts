import { createHash } from 'node:crypto';
import { SEVERITIES, SLACK_USER_ID_PATTERN, type Severity } from '@klaxon/contracts';
import type { RequestedTarget } from '../alerts/alert';

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
const E164 = /^\+[1-9][0-9]{6,14}$/;
const MAX_TARGETS = 20;
const MAX_MESSAGE = 2000;
const MAX_SOURCE = 255;
const MAX_RULE_NAME = 200;

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

/** `U024BE7LH,+14155550101`: Slack user ids and E.164 numbers, comma-separated; throws naming the bad entry. */
export function parsePageList(list: string): RequestedTarget[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new PageListError('is empty: give Slack user ids and/or E.164 numbers, comma-separated (U024BE7LH,+14155550101)');
  if (entries.length > MAX_TARGETS) throw new PageListError(`names ${entries.length} targets; at most ${MAX_TARGETS}`);
  const targets = entries.map((entry): RequestedTarget => {
    if (SLACK_USER_ID_PATTERN.test(entry)) return { slackUserId: entry };
    if (E164.test(entry)) return { phone: entry };
    // A "+" in a query string arrives as a space, which the trim took: say so rather than guess the number.
    const plus = /^[0-9]{7,15}$/.test(entry) ? '; in a URL write the "+" of a number as %2B' : '';
    throw new PageListError(`"${entry.slice(0, 40)}" is neither a Slack user id (U024BE7LH) nor an E.164 number (+14155550101)${plus}`);
  });
  // The same person twice in the list is one target: they are paged once.
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = targetKey(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
