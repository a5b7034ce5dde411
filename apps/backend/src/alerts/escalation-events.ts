import type { FiredStep, PolicyRun, WalkEnd } from '../oncall/policy-run';
import type { NewAlertEvent } from './alert-event.repository';

/** What a fired step says of itself, in the audit event and in the alert's `escalation` on the wire alike. */
export function stepSummary(run: PolicyRun, step: FiredStep) {
  return {
    service: run.service,
    policy: run.policy,
    step: step.step,
    of: step.of,
    pass: step.pass,
    passes: step.passes,
    paged: step.reach.paged.map((p) => ({ ...p })),
    nobody_on_call: [...step.reach.nobodyOnCall],
  };
}

/** The audit events of steps fired through a service's policy, and of the run's end if it ended. */
export function escalationEvents(alert: { id: string; tenantId: string }, run: PolicyRun, fired: readonly FiredStep[], end: WalkEnd | null): NewAlertEvent[] {
  const steps: NewAlertEvent[] = fired.map((step) => ({
    alertId: alert.id,
    tenantId: alert.tenantId,
    kind: 'escalation.step',
    actor: 'system',
    data: { ...stepSummary(run, step), round: step.round },
  }));
  if (end === null || !('exhausted' in end)) return steps;
  return [...steps, { alertId: alert.id, tenantId: alert.tenantId, kind: 'escalation.exhausted', actor: 'system', data: { service: run.service, reason: end.exhausted } }];
}
