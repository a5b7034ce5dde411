import { ALERT_STATUSES, type AlertStatus } from '@klaxon/contracts';
import { ALERT_ACTIONS, nextStatus, type AlertAction } from './alert-state';

describe('alert state machine', () => {
  // Every (status, action) pair, written out by hand: the table in the code must agree with this one.
  const expected: Array<[AlertStatus, AlertAction, AlertStatus | null]> = [
    ['triggered', 'acknowledge', 'acknowledged'],
    ['triggered', 'resolve', 'resolved'],
    ['acknowledged', 'acknowledge', null],
    ['acknowledged', 'resolve', 'resolved'],
    ['resolved', 'acknowledge', null],
    ['resolved', 'resolve', null],
  ];

  it.each(expected)('%s + %s → %s', (from, action, to) => {
    expect(nextStatus(from, action)).toBe(to);
  });

  it('covers every status and action', () => {
    expect(expected).toHaveLength(ALERT_STATUSES.length * ALERT_ACTIONS.length);
  });

  it('never leaves resolved', () => {
    for (const action of ALERT_ACTIONS) expect(nextStatus('resolved', action)).toBeNull();
  });
});
