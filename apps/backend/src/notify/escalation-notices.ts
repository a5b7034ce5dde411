import { escalationStepWords } from '@klaxon/contracts';
import type { FiredStep, PolicyRun } from '../oncall/policy-run';

/** The thread's line for a step fired: whom it paged and why, or that it found nobody on call and moved on. */
export function stepNoticeText(alert: { number: number }, run: PolicyRun, step: FiredStep): string {
  const words = escalationStepWords({ service: run.service, ...step, paged: step.reach.paged, nobody_on_call: step.reach.nobodyOnCall });
  const icon = step.reach.paged.length > 0 ? '↪️' : '⚠️';
  return `${icon} #${alert.number} (${run.service}): ${words}${step.reach.paged.length === 0 ? '; moving on at once' : ''}.`;
}

/** The thread's line, said once, when a whole pass of the policy found nobody on call. */
export function exhaustedNoticeText(alert: { number: number }, run: PolicyRun): string {
  return `⚠️ #${alert.number} (${run.service}): every step of ${run.policy} found nobody on call, so escalation stops here. Someone has to take it from the channel: \`/alert ack ${alert.number}\``;
}
