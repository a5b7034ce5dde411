import { WEEKDAYS, type Duration } from '@klaxon/contracts';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { compileSchedule, type Layer, type OnCall, type OnCallSegment, type Override, type Schedule } from './schedule';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ZONES = ['Europe/Berlin', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'UTC'];
const PEOPLE = ['U0A', 'U0B', 'U0C', 'U0D'];
const SHIFTS: Duration[] = [
  { kind: 'elapsed', seconds: 3600 },
  { kind: 'elapsed', seconds: 5400 },
  { kind: 'elapsed', seconds: 8 * 3600 },
  { kind: 'elapsed', seconds: 24 * 3600 },
  { kind: 'calendar', days: 1 },
  { kind: 'calendar', days: 2 },
  { kind: 'calendar', days: 7 },
];
// 2026 and its neighbours: every kind of daylight saving change of these zones happens in the range.
const EARLIEST = Date.UTC(2025, 9, 1);
const LATEST = Date.UTC(2027, 3, 1);

const twoDigits = (n: number) => String(n).padStart(2, '0');
const clockTime = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${twoDigits(h)}:${twoDigits(m)}`);
const wallClock = fc
  .tuple(fc.integer({ min: EARLIEST / DAY_MS, max: LATEST / DAY_MS }), clockTime)
  .map(([day, clock]) => `${new Date(day * DAY_MS).toISOString().slice(0, 10)}T${clock}`);
const restriction = fc.record({ days: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }), from: clockTime, to: clockTime });
const layer = fc.record({
  members: fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 4 }),
  shift: fc.constantFrom(...SHIFTS),
  handoff: wallClock,
  restrict: fc.option(fc.array(restriction, { minLength: 1, maxLength: 3 }), { nil: undefined }),
});
const schedule: fc.Arbitrary<Schedule> = fc
  .record({ timeZone: fc.constantFrom(...ZONES), layers: fc.array(layer, { minLength: 1, maxLength: 3 }) })
  .map(({ timeZone, layers }) => ({ timeZone, layers: layers.map((l, index): Layer => ({ ...l, name: `layer-${index + 1}` })) }));
/** A window of up to `maxDays` in the range, with up to five overrides in and around it. */
const windowWithOverrides = (maxDays: number) =>
  fc.integer({ min: EARLIEST, max: LATEST }).chain((from) =>
    fc.record({
      from: fc.constant(from),
      until: fc.integer({ min: from + 1, max: from + maxDays * DAY_MS }),
      overrides: fc.array(
        fc.record({ person: fc.constantFrom(...PEOPLE), start: fc.integer({ min: from - DAY_MS, max: from + maxDays * DAY_MS }), hours: fc.integer({ min: 1, max: 72 }) }),
        { maxLength: 5 },
      ),
    }).map(({ from: start, until, overrides }) => ({
      from: start,
      until,
      overrides: overrides.map((o, index): Override => ({ id: `o${index}`, person: o.person, start: new Date(o.start), end: new Date(o.start + o.hours * HOUR_MS) })),
    })),
  );

const answerOf = (segment: OnCallSegment): OnCall | null => (segment.person === null ? null : { person: segment.person, source: segment.source });
/** Instants worth asking about: random ones, and either side of every change. */
const probesOf = (segments: readonly OnCallSegment[], random: readonly number[]) =>
  [...random, ...segments.flatMap((s) => [s.start.getTime(), s.end.getTime() - 1])];

describe('on-call schedule properties', () => {
  it('the shifts of a window tile it exactly, and neighbours differ', () => {
    fc.assert(
      fc.property(schedule, windowWithOverrides(21), (s, { from, until, overrides }) => {
        const segments = compileSchedule(s, overrides).shifts(new Date(from), new Date(until));
        expect(segments[0]?.start.getTime()).toBe(from);
        expect(segments.at(-1)?.end.getTime()).toBe(until);
        segments.forEach((segment, index) => {
          expect(segment.end.getTime()).toBeGreaterThan(segment.start.getTime());
          const previous = segments[index - 1];
          if (previous === undefined) return;
          expect(segment.start.getTime()).toBe(previous.end.getTime());
          expect(answerOf(segment)).not.toEqual(answerOf(previous));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('whoIsOnCall agrees with the shift holding the instant', () => {
    fc.assert(
      fc.property(schedule, windowWithOverrides(21), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }), (s, { from, until, overrides }, fractions) => {
        const compiled = compileSchedule(s, overrides);
        const segments = compiled.shifts(new Date(from), new Date(until));
        const random = fractions.map((f) => Math.min(until - 1, from + Math.floor(f * (until - from))));
        for (const instant of probesOf(segments, random)) {
          const holding = segments.find((segment) => segment.start.getTime() <= instant && instant < segment.end.getTime());
          expect(compiled.whoIsOnCall(new Date(instant))).toEqual(holding === undefined ? undefined : answerOf(holding));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every instant has at most one person: the topmost layer on duty', () => {
    fc.assert(
      fc.property(schedule, windowWithOverrides(14), (s, { from, until }) => {
        const compiled = compileSchedule(s, []);
        const layersAlone = s.layers.map((l) => compileSchedule({ timeZone: s.timeZone, layers: [l] }, []));
        for (const instant of probesOf(compiled.shifts(new Date(from), new Date(until)), [])) {
          const answers = layersAlone.map((alone) => alone.whoIsOnCall(new Date(instant)));
          const topmost = answers.filter((answer) => answer !== null).at(-1) ?? null;
          expect(compiled.whoIsOnCall(new Date(instant))).toEqual(topmost);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an override covers exactly its interval: inside, its person; outside, as if it did not exist', () => {
    fc.assert(
      fc.property(schedule, windowWithOverrides(14), fc.double({ min: 0, max: 1, noNaN: true }), (s, { overrides }, fraction) => {
        const last = overrides.at(-1);
        if (last === undefined) return;
        const withIt = compileSchedule(s, overrides);
        const without = compileSchedule(s, overrides.slice(0, -1));
        const start = last.start.getTime();
        const end = last.end.getTime();
        for (const inside of [start, end - 1, Math.min(end - 1, start + Math.floor(fraction * (end - start)))]) {
          expect(withIt.whoIsOnCall(new Date(inside))).toEqual({ person: last.person, source: 'override' });
        }
        for (const outside of [start - 1, end, start - DAY_MS, end + DAY_MS]) {
          expect(withIt.whoIsOnCall(new Date(outside))).toEqual(without.whoIsOnCall(new Date(outside)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('segmentAt holds the instant, and the instants just outside it have another answer (within 90 days)', () => {
    fc.assert(
      fc.property(schedule, windowWithOverrides(14), (s, { from, overrides }) => {
        const compiled = compileSchedule(s, overrides);
        const segment = compiled.segmentAt(new Date(from));
        const start = segment.start.getTime();
        const end = segment.end.getTime();
        expect(start).toBeLessThanOrEqual(from);
        expect(end).toBeGreaterThan(from);
        expect(compiled.whoIsOnCall(new Date(from))).toEqual(answerOf(segment));
        if (start > from - 90 * DAY_MS) expect(compiled.whoIsOnCall(new Date(start - 1))).not.toEqual(answerOf(segment));
        else expect(start).toBe(from - 90 * DAY_MS);
        if (end < from + 90 * DAY_MS) expect(compiled.whoIsOnCall(new Date(end))).not.toEqual(answerOf(segment));
        else expect(end).toBe(from + 90 * DAY_MS);
      }),
      { numRuns: 100 },
    );
  });

  it('day and week shifts hand over at the wall-clock time of the hand-off, or at the change that skipped it', () => {
    const rotating = fc.record({ timeZone: fc.constantFrom(...ZONES), shift: fc.constantFrom(...SHIFTS.filter((d) => d.kind === 'calendar')), handoff: wallClock });
    fc.assert(
      fc.property(rotating, fc.integer({ min: EARLIEST, max: LATEST }), ({ timeZone, shift, handoff }, from) => {
        const layers = [{ name: 'primary', members: ['U0A', 'U0B', 'U0C'], shift, handoff }];
        const handoffs = compileSchedule({ timeZone, layers }, []).shifts(new Date(from), new Date(from + 60 * DAY_MS)).slice(1).map((s) => s.start.getTime());
        expect(handoffs.length).toBeGreaterThanOrEqual(Math.floor(60 / shift.days) - 1);
        for (const instant of handoffs) {
          const local = DateTime.fromMillis(instant, { zone: timeZone });
          const skipped = DateTime.fromMillis(instant - 1, { zone: timeZone }).offset < local.offset;
          if (!skipped) expect(local.toFormat('HH:mm')).toBe(handoff.slice(11));
          // A repeated time is taken at its first occurrence: an hour of the old offset earlier did not show it too.
          const earlier = DateTime.fromMillis(instant - Math.abs(local.offset - local.minus({ days: 1 }).offset) * 60_000, { zone: timeZone });
          if (earlier.toMillis() < instant) expect(earlier.toFormat('HH:mm')).not.toBe(local.toFormat('HH:mm'));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('hour shifts hand over every so many elapsed hours, whatever the wall clock shows', () => {
    const rotating = fc.record({ timeZone: fc.constantFrom(...ZONES), hours: fc.constantFrom(1, 1.5, 8, 24), handoff: wallClock });
    fc.assert(
      fc.property(rotating, fc.integer({ min: EARLIEST, max: LATEST }), ({ timeZone, hours, handoff }, from) => {
        const layers = [{ name: 'primary', members: ['U0A', 'U0B', 'U0C'], shift: { kind: 'elapsed', seconds: hours * 3600 } as const, handoff }];
        const handoffs = compileSchedule({ timeZone, layers }, []).shifts(new Date(from), new Date(from + 14 * DAY_MS)).slice(1).map((s) => s.start.getTime());
        expect(handoffs.length).toBeGreaterThanOrEqual(Math.ceil((14 * 24) / hours) - 1);
        handoffs.slice(1).forEach((instant, index) => expect(instant - handoffs[index]!).toBe(hours * HOUR_MS));
      }),
      { numRuns: 200 },
    );
  });
});
