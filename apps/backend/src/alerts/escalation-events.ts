import type { FiredStep, PolicyRun, WalkEnd } from '../oncall/policy-run';
import type { NewAlertEvent } from './alert-event.repository';

/** The audit events of steps fired through a service's policy, and of the run's end if it ended. */
export function escalationEvents(alert: { id: string; tenantId: string }, run: PolicyRun, fired: readonly FiredStep[], end: WalkEnd | null): NewAlertEvent[] {
  const steps: NewAlertEvent[] = fired.map((step) => ({
    alertId: alert.id,
    tenantId: alert.tenantId,
    kind: 'escalation.step',
    actor: 'system',
    data: {
      service: run.service,
      policy: run.policy,
      round: step.round,
      step: step.step,
      of: step.of,
      pass: step.pass,
      passes: step.passes,
      paged: step.reach.paged.map((p) => ({ ...p })),
      nobody_on_call: [...step.reach.nobodyOnCall],
    },
  }));
  if (end === null || !('exhausted' in end)) return steps;
  return [...steps, { alertId: alert.id, tenantId: alert.tenantId, kind: 'escalation.exhausted', actor: 'system', data: { service: run.service, reason: end.exhausted } }];
}
