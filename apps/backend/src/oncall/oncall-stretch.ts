import type { OnCallSegment } from './schedule';

/**
 * Who is on call from the start of a run of segments, until when, and who follows. Neighbouring segments
 * may hold the same person from different sources (a layer, then an override of them): for the person on
 * call that is one stretch, so it runs until someone else, or nobody, takes over. Pure.
 */
export interface OnCallStretch {
  person: string | null;
  /** The source of the first segment: the layer's name or `override`; null when nobody is on call. */
  source: string | null;
  /** Null when the person does not change within the segments given. */
  until: Date | null;
  next: { person: string | null; start: Date } | null;
}

/** `segments` tile a window from now on (CompiledSchedule.shifts): at least one. */
export function stretchOf(segments: readonly OnCallSegment[]): OnCallStretch {
  const [first] = segments;
  if (first === undefined) throw new RangeError('a stretch needs at least one segment');
  const change = segments.find((segment) => segment.person !== first.person);
  return {
    person: first.person,
    source: first.source,
    until: change?.start ?? null,
    next: change ? { person: change.person, start: change.start } : null,
  };
}
