import type { AlertOrigin, AlertStatus, Severity } from '@klaxon/contracts';
import type { AlertTarget } from '../contacts/target';
import type { FiredStep, PolicyRun, WalkEnd } from '../oncall/policy-run';

/** An alert raised for a service, as raised: its policy's run, the steps the raise fired, and what comes next. */
export interface RaisedEscalation {
  run: PolicyRun;
  fired: FiredStep[];
  end: WalkEnd;
}

/** A stored alert's escalation through its service's policy: the run copied at the raise, and the last step fired. */
export interface AlertEscalation {
  run: PolicyRun;
  /** Steps fired so far over all passes: the next step's round. */
  fired: number;
  last: FiredStep;
  /** Why the run is over; null while it goes on. */
  ended: 'unacknowledged' | 'nobody_on_call' | null;
}

export interface NewAlert {
  tenantId: string;
  severity: Severity;
  message: string;
  ruleName: string | null;
  /** The caller's name for the system that raised it; free text, null when not named. */
  source: string | null;
  /** How Klaxon received it, decided by the route: only `slack` text is Slack markup. */
  origin: AlertOrigin;
  dedupKey: string | null;
  requestId: string | null;
  slackChannelId: string | null;
  slackUserId: string | null;
  slackResponseUrl: string | null;
  targets: AlertTarget[];
  /** The summary alert this one was recorded under (it pages nobody itself); its moves are this one's too. */
  coveredBy?: string | null;
  /** Raised for a service: it escalates through the service's policy instead of the severity's rounds. */
  escalation?: RaisedEscalation | null;
  /**
   * Raised for a service in a maintenance window: recorded (its created event says which window), paged to nobody
   * (no deliveries, no escalation job, now or when the window ends). Not a column.
   */
  silenced?: boolean;
  /** A note on the alert's `created` event: why it was raised as it was (an integration's misrouted alert). Not a column. */
  createdNote?: string | null;
}

/** A stored alert: what was raised, plus what the database assigned and the life cycle recorded. */
export interface Alert extends Omit<NewAlert, 'escalation'> {
  id: string;
  number: number;
  /** The code replies type after the number (`ack 42-K7`): tells apart alerts of one number from several tenants. */
  replyCode: string;
  status: AlertStatus;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  slackMessageTs: string | null;
  /** Its escalation through a service's policy; null for an alert raised for named targets only. */
  escalation: AlertEscalation | null;
}
