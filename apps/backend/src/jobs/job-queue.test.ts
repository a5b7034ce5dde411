import { SEVERITIES } from '@klaxon/contracts';
import { jobPriorityOf } from './job-queue';

describe('jobPriorityOf', () => {
  it('orders by severity first: every job of a more severe alert runs before any job of a less severe one', () => {
    const order = Object.fromEntries(SEVERITIES.map((severity) => [severity, [jobPriorityOf(severity, 'deliver'), jobPriorityOf(severity, 'slack-message')]]));
    expect(order).toEqual({ critical: [0, 1], high: [2, 3], medium: [4, 5], low: [6, 7] });
  });

  it('puts work for no alert (a hand-off notice) behind every job of every alert', () => {
    expect(jobPriorityOf(null, 'handoff-notice')).toBeGreaterThan(jobPriorityOf('low', 'slack-message'));
  });

  it('puts the work that reaches people before the channel message of the same severity', () => {
    for (const task of ['deliver', 'escalate', 'pagerduty-event'] as const) {
      expect(jobPriorityOf('high', task)).toBeLessThan(jobPriorityOf('high', 'slack-message'));
    }
  });
});
