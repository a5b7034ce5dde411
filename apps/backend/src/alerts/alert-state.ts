import type { AlertEventKind, AlertStatus } from '@klaxon/contracts';

/** What a person (or a service) can do to an alert. */
export const ALERT_ACTIONS = ['acknowledge', 'resolve'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/**
 * The whole life cycle: triggered → acknowledged → resolved, and triggered → resolved.
 * `resolved` is final. Anything not in this table is refused.
 */
export const TRANSITIONS: Readonly<Record<AlertAction, { from: readonly AlertStatus[]; to: AlertStatus }>> = {
  acknowledge: { from: ['triggered'], to: 'acknowledged' },
  resolve: { from: ['triggered', 'acknowledged'], to: 'resolved' },
};

/** The status an action leads to from `current`, or null when the move is not allowed. */
export function nextStatus(current: AlertStatus, action: AlertAction): AlertStatus | null {
  const transition = TRANSITIONS[action];
  return transition.from.includes(current) ? transition.to : null;
}

/** Past tense for messages and event kinds: the event of `acknowledge` is `acknowledged`. */
export const ACTION_EVENT: Readonly<Record<AlertAction, AlertStatus & AlertEventKind>> = { acknowledge: 'acknowledged', resolve: 'resolved' };
