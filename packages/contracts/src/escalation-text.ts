import type { AlertEscalationDto } from './alert';
import type { EscalationPagedDto } from './alert-event';

/** A step of a service's escalation policy as people read it: where it stands and whom it reached. */
export interface EscalationStepWords {
  service: string;
  step: number;
  of: number;
  pass: number;
  passes: number;
  paged: readonly EscalationPagedDto[];
  nobody_on_call: readonly string[];
}

/** `step 1 of 2`, with the pass when the policy repeats (`step 1 of 2, pass 2 of 3`). */
export function stepPlaceWords(step: Pick<EscalationStepWords, 'step' | 'of' | 'pass' | 'passes'>): string {
  return `step ${step.step} of ${step.of}${step.passes > 1 ? `, pass ${step.pass} of ${step.passes}` : ''}`;
}

/** `<@U0JANE>, on call for payments` or `<@U0LEAD>, named in the policy`: why each person was paged. */
export function pagedWords(paged: readonly EscalationPagedDto[]): string {
  return paged.map((p) => `<@${p.person}>, ${p.via === 'person' ? 'named in the policy' : `on call for ${p.via}`}`).join('; ');
}

/**
 * `paging <@U0JANE>, on call for payments — step 1 of 2`, or `nobody is on call for payments-primary — step 1 of 2`:
 * the outcome of a step in one line, for the Slack answer, the channel message and the thread.
 */
export function escalationStepWords(step: EscalationStepWords): string {
  const place = stepPlaceWords(step);
  const nobody = step.nobody_on_call.length > 0 ? `nobody is on call for ${step.nobody_on_call.join(', ')}` : '';
  if (step.paged.length === 0) return `${nobody || 'nobody to page'} — ${place}`;
  return `paging ${pagedWords(step.paged)} — ${place}${nobody ? ` (${nobody})` : ''}`;
}

/**
 * `payments: paging <@U0JANE>, on call for payments-primary — step 1 of 2`, and why escalation is over when it
 * is: an alert's escalation in one line, as the Slack answer and the channel message show it.
 */
export function escalationSummary(escalation: AlertEscalationDto): string {
  const over =
    escalation.ended === null ? '' : escalation.ended === 'nobody_on_call' ? ' — escalation stopped: nobody on call in a whole pass' : ' — escalation over: nobody acknowledged';
  return `${escalation.service}: ${escalationStepWords(escalation)}${over}`;
}
