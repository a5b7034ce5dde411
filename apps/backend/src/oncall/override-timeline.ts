/** `person` is on call for `[start, end)`, whatever the layers say. */
export interface Override {
  readonly id: string;
  readonly person: string;
  readonly start: Date;
  readonly end: Date;
}

export interface OverrideTimeline {
  /** The override in force at `instant`, or null. */
  at(instant: number): Override | null;
  /** Every instant in (from, until) at which the override in force changes, ascending. */
  changesIn(from: number, until: number): number[];
}

/**
 * Overrides flattened into one timeline of disjoint pieces. Where overrides overlap, the one listed last
 * wins: callers list them in the order they were created, so the latest word on who covers an hour is the
 * one that holds, and an override that covers only part of another cuts it for that part alone. An override
 * whose end is not after its start covers nothing.
 */
export function compileOverrides(overrides: readonly Override[]): OverrideTimeline {
  const spans = overrides
    .map((override) => ({ override, start: override.start.getTime(), end: override.end.getTime() }))
    .filter((span) => span.start < span.end);
  // Cut time at every start and end: within each elementary interval between two cuts, the same overrides hold.
  const cuts = [...new Set(spans.flatMap((span) => [span.start, span.end]))].sort((a, b) => a - b);
  const cutIndex = new Map(cuts.map((cut, index) => [cut, index]));
  const owners: Array<Override | undefined> = Array.from({ length: Math.max(cuts.length - 1, 0) }, () => undefined);
  // Winners first (last listed), each taking the intervals nobody took yet. `nextFree` skips taken intervals
  // (union-find with path halving), so overlapping overrides cost no more than disjoint ones.
  const nextFree = Array.from({ length: cuts.length }, (_, index) => index);
  const free = (index: number): number => {
    let at = index;
    while (nextFree[at] !== at) {
      const next = nextFree[nextFree[at]!]!;
      nextFree[at] = next;
      at = next;
    }
    return at;
  };
  for (let k = spans.length - 1; k >= 0; k--) {
    const span = spans[k]!;
    const last = cutIndex.get(span.end)!;
    for (let interval = free(cutIndex.get(span.start)!); interval < last; interval = free(interval)) {
      owners[interval] = span.override;
      nextFree[interval] = interval + 1;
    }
  }

  const starts: number[] = [];
  const ends: number[] = [];
  const pieces: Override[] = [];
  owners.forEach((owner, interval) => {
    if (owner === undefined) return;
    const start = cuts[interval]!;
    if (pieces.at(-1) === owner && ends.at(-1) === start) ends[ends.length - 1] = cuts[interval + 1]!;
    else {
      starts.push(start);
      ends.push(cuts[interval + 1]!);
      pieces.push(owner);
    }
  });

  return {
    at(instant) {
      // The last piece starting at or before `instant`, by binary search.
      let low = 0;
      let high = starts.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (starts[middle]! <= instant) low = middle + 1;
        else high = middle;
      }
      const piece = low - 1;
      return piece >= 0 && instant < ends[piece]! ? pieces[piece]! : null;
    },
    changesIn(from, until) {
      return [...new Set(starts.flatMap((start, piece) => [start, ends[piece]!]))].filter((change) => from < change && change < until);
    },
  };
}
