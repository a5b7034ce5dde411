import { MAX_ONCALL_WINDOW_DAYS, OVERRIDE_SOURCE, type Duration, type ScheduleRequest } from '@klaxon/contracts';
import { compileOverrides, type Override, type OverrideTimeline } from './override-timeline';
import { compileRestrictions, type DutyHours, type Restriction } from './restriction';
import { compileRotation, type Rotation } from './rotation';
import { DAY_MS, parseWallClock, ZoneRules } from '../time/zone-rules';

// Pure: no I/O and no clock of its own; every instant is the caller's. See README.md for the rules in words.

export type { Override } from './override-timeline';
export type { Restriction } from './restriction';

/** One rotation of a schedule (DESIGN's `layers[]`, named `layer-N` by position when the request gave no name). */
export interface Layer {
  readonly name: string;
  /** Slack user ids, in turn order; the same person may appear more than once. */
  readonly members: readonly string[];
  readonly shift: Duration;
  /** `YYYY-MM-DDTHH:MM` in the schedule's zone: when members[0] takes over. */
  readonly handoff: string;
  /** Duty hours; without them the layer is on duty at all hours, with an empty list never. */
  readonly restrict?: readonly Restriction[];
}

export interface Schedule {
  /** IANA zone of hand-offs and duty hours. */
  readonly timeZone: string;
  /** Bottom first: the last layer on duty at an instant is the one whose member is on call. */
  readonly layers: readonly Layer[];
}

/** Who is on call and why: `source` is the layer's name, or `override`. */
export interface OnCall {
  readonly person: string;
  readonly source: string;
}

/** `[start, end)` with one answer throughout; nobody on call is a segment too, with `person` and `source` null. */
export type OnCallSegment = { readonly start: Date; readonly end: Date } & (OnCall | { readonly person: null; readonly source: null });

/** A schedule and its overrides worked out once (zone, hand-off instants, override timeline), to ask many times. */
export interface CompiledSchedule {
  /** The person on call at `at`, or null when nobody is. */
  whoIsOnCall(at: Date): OnCall | null;
  /**
   * The longest interval around `at` with the same answer (same person from the same source), looked for at
   * most MAX_ONCALL_WINDOW_DAYS either side: a segment that goes on further is returned ending there.
   */
  segmentAt(at: Date): OnCallSegment;
  /**
   * The segments that tile `[from, until)` exactly (at most MAX_ONCALL_WINDOW_DAYS long): the first starts at
   * `from`, the last ends at `until`, each starts where the one before ends, and neighbours differ. Times
   * when nobody is on call are segments with `person: null`, so the tiling has no gaps.
   */
  shifts(from: Date, until: Date): OnCallSegment[];
}

const MAX_WINDOW_MS = MAX_ONCALL_WINDOW_DAYS * DAY_MS;

interface CompiledLayer {
  readonly rotation: Rotation;
  readonly duty: DutyHours;
  /** One answer per member, made once: lookups allocate nothing. */
  readonly answers: readonly OnCall[];
  /** False when every member is the same person, whose hand-offs to themselves change nothing. */
  readonly rotates: boolean;
}

interface Piece {
  readonly start: number;
  end: number;
  readonly answer: OnCall | null;
}

export function compileSchedule(schedule: Schedule, overrides: readonly Override[]): CompiledSchedule {
  const zone = ZoneRules.of(schedule.timeZone);
  const layers = schedule.layers.map(
    (layer): CompiledLayer => ({
      rotation: compileRotation({ shift: layer.shift, handoff: parseWallClock(layer.handoff), members: layer.members.length, zone }),
      duty: compileRestrictions(layer.restrict, zone),
      answers: layer.members.map((person) => Object.freeze({ person, source: layer.name })),
      rotates: new Set(layer.members).size > 1,
    }),
  );
  const overrideAnswers = new Map(overrides.map((override) => [override, Object.freeze({ person: override.person, source: OVERRIDE_SOURCE })]));
  // Topmost first, so the first layer on duty answers.
  return new CompiledOnCall(layers.reverse(), compileOverrides(overrides), overrideAnswers);
}

class CompiledOnCall implements CompiledSchedule {
  constructor(
    private readonly layersTopFirst: readonly CompiledLayer[],
    private readonly overrides: OverrideTimeline,
    private readonly overrideAnswers: ReadonlyMap<Override, OnCall>,
  ) {}

  whoIsOnCall(at: Date): OnCall | null {
    return this.answerAt(instantOf(at));
  }

  segmentAt(at: Date): OnCallSegment {
    const instant = instantOf(at);
    // Most segments are hours or days long: look close first, and further only while the segment touches an edge.
    for (let reach = DAY_MS; ; reach = Math.min(reach * 4, MAX_WINDOW_MS)) {
      const from = instant - reach;
      const until = instant + reach;
      const piece = this.sweep(from, until).find((p) => p.start <= instant && instant < p.end)!;
      if ((piece.start > from && piece.end < until) || reach === MAX_WINDOW_MS) return segmentOf(piece);
    }
  }

  shifts(from: Date, until: Date): OnCallSegment[] {
    const start = instantOf(from);
    const end = instantOf(until);
    if (end <= start) throw new RangeError('until must be after from');
    if (end - start > MAX_WINDOW_MS) throw new RangeError(`a window of shifts is at most ${MAX_ONCALL_WINDOW_DAYS} days long`);
    return this.sweep(start, end).map(segmentOf);
  }

  private answerAt(instant: number): OnCall | null {
    const override = this.overrides.at(instant);
    if (override !== null) return this.overrideAnswers.get(override) ?? null;
    for (const layer of this.layersTopFirst) {
      if (layer.duty.onDutyAt(instant)) return layer.answers[layer.rotation.turnAt(instant).member] ?? null;
    }
    return null;
  }

  // Between two consecutive changes (a hand-off, a duty window opening or closing, an override starting or
  // ending) the answer cannot change: ask once per interval, then merge neighbours with the same answer.
  private sweep(from: number, until: number): Piece[] {
    const changes = [from, ...this.overrides.changesIn(from, until)];
    for (const layer of this.layersTopFirst) {
      changes.push(...layer.duty.changesIn(from, until));
      if (!layer.rotates) continue;
      for (let turn = layer.rotation.turnAt(from); turn.end < until; turn = layer.rotation.turnAt(turn.end)) changes.push(turn.end);
    }
    const cuts = [...new Set(changes)].sort((a, b) => a - b);
    const pieces: Piece[] = [];
    cuts.forEach((start, index) => {
      const end = cuts[index + 1] ?? until;
      const answer = this.answerAt(start);
      const previous = pieces.at(-1);
      if (previous !== undefined && sameAnswer(previous.answer, answer)) previous.end = end;
      else pieces.push({ start, end, answer });
    });
    return pieces;
  }
}

/** Who is on call at `at`. Compiles the schedule each time: use compileSchedule to ask many times. */
export function whoIsOnCall(schedule: Schedule, overrides: readonly Override[], at: Date): OnCall | null {
  return compileSchedule(schedule, overrides).whoIsOnCall(at);
}

/** The segment holding `at` (see CompiledSchedule.segmentAt). */
export function segmentAt(schedule: Schedule, overrides: readonly Override[], at: Date): OnCallSegment {
  return compileSchedule(schedule, overrides).segmentAt(at);
}

/** The segments tiling `[from, until)` (see CompiledSchedule.shifts). */
export function shifts(schedule: Schedule, overrides: readonly Override[], from: Date, until: Date): OnCallSegment[] {
  return compileSchedule(schedule, overrides).shifts(from, until);
}

/** The schedule a validated `PUT /schedules/…` body describes. */
export function scheduleFromRequest(body: ScheduleRequest): Schedule {
  return { timeZone: body.time_zone, layers: body.layers };
}

function instantOf(date: Date): number {
  const instant = date.getTime();
  if (Number.isNaN(instant)) throw new RangeError('not a valid instant');
  return instant;
}

const sameAnswer = (a: OnCall | null, b: OnCall | null): boolean => a?.person === b?.person && a?.source === b?.source;

function segmentOf(piece: Piece): OnCallSegment {
  const start = new Date(piece.start);
  const end = new Date(piece.end);
  return piece.answer === null ? { person: null, source: null, start, end } : { person: piece.answer.person, source: piece.answer.source, start, end };
}
