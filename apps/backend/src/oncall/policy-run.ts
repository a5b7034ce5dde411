import { durationMilliseconds } from '@klaxon/contracts';
import type { EscalationStep } from './escalation-policy.repository';

/** A policy as an alert runs it: copied when the alert was raised, so later edits of the policy never reach it. */
export interface PolicyRun {
  service: string;
  policy: string;
  steps: readonly EscalationStep[];
  /** How many times all the steps run again after the last one. */
  repeat: number;
}

/** Someone a step pages, and why: the schedule they are on call for, or `person` when the step names them. */
export interface PagedPerson {
  person: string;
  via: string;
}

/** Whom one step reached when it fired: each person once, and the schedules that had nobody on call. */
export interface StepReach {
  paged: PagedPerson[];
  nobodyOnCall: string[];
}

/**
 * Where a step stands in the run. `round` counts every step fired over all passes from 0 (the raise's step 1 of
 * pass 1); `step` and `pass` are 1-based, as people read them ("step 2 of 3, pass 1 of 2").
 */
export interface StepPlace {
  round: number;
  step: number;
  of: number;
  pass: number;
  passes: number;
}

export interface FiredStep extends StepPlace {
  reach: StepReach;
}

/**
 * How a walk ended: the next step waits `afterMs` for an acknowledgement, or the run is over — every step of
 * every pass fired unacknowledged, or a whole pass in a row found nobody on call (it would only loop).
 */
export type WalkEnd = { next: { round: number; afterMs: number } } | { exhausted: 'unacknowledged' | 'nobody_on_call' };

/** The place of `round` in the run; null once every step of every pass has fired. */
export function placeOf(run: Pick<PolicyRun, 'steps' | 'repeat'>, round: number): StepPlace | null {
  const of = run.steps.length;
  const passes = run.repeat + 1;
  if (of === 0 || round < 0 || round >= of * passes) return null;
  return { round, step: (round % of) + 1, of, pass: Math.floor(round / of) + 1, passes };
}

/**
 * Fires the steps from `round` on: a step that finds nobody on call moves to the next at once, so a walk fires
 * steps until one pages somebody (the next then waits that step's `escalate_after`), the run ends, or a whole
 * pass' worth of steps in a row found nobody. `alsoPaged`: the first step fired pages people besides its own
 * targets (the raise's named targets), so it does not count as finding nobody.
 */
export async function walkSteps(
  run: Pick<PolicyRun, 'steps' | 'repeat'>,
  round: number,
  reachOf: (step: EscalationStep) => Promise<StepReach>,
  alsoPaged = false,
): Promise<{ fired: FiredStep[]; end: WalkEnd }> {
  const fired: FiredStep[] = [];
  for (let current = round; ; current++) {
    const place = placeOf(run, current);
    if (!place) return { fired, end: { exhausted: 'unacknowledged' } };
    const step = run.steps[place.step - 1]!;
    const reach = await reachOf(step);
    fired.push({ ...place, reach });
    if (reach.paged.length > 0 || (alsoPaged && fired.length === 1)) return { fired, end: { next: { round: current + 1, afterMs: durationMilliseconds(step.escalateAfter) } } };
    if (fired.length >= place.of) return { fired, end: { exhausted: 'nobody_on_call' } };
  }
}
