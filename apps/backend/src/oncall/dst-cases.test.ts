import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from '@klaxon/contracts';
import { DateTime } from 'luxon';
import { DST_CASES, dstTableMarkdown, type DstCase } from './dst-cases';
import { compileSchedule } from './schedule';

const MEMBERS = ['U0ANNA', 'U0BEN', 'U0CHLOE'];
const HOUR_MS = 3_600_000;

function layerOf(dstCase: DstCase) {
  const shift = parseDuration(dstCase.shift);
  if (!shift.ok) throw new Error(shift.reason);
  return compileSchedule({ timeZone: dstCase.zone, layers: [{ name: 'primary', members: MEMBERS, shift: shift.duration, handoff: dstCase.handoff }] }, []);
}

const localTime = (instant: Date, zone: string) => DateTime.fromJSDate(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mmZZ");

describe('hand-offs across daylight saving changes', () => {
  it.each(DST_CASES.map((dstCase) => [`${dstCase.zone}: ${dstCase.case}`, dstCase] as const))('%s', (_name, dstCase) => {
    const schedule = layerOf(dstCase);
    const expected = dstCase.handoffs.map((handoff) => new Date(handoff).getTime());
    const from = new Date(expected[0]! - HOUR_MS);
    const until = new Date(expected.at(-1)! + HOUR_MS);

    const segments = schedule.shifts(from, until);
    expect(segments.slice(1).map((segment) => localTime(segment.start, dstCase.zone))).toEqual(dstCase.handoffs);
    // Each hand-off passes to the next member, round and round.
    segments.slice(1).forEach((segment, index) => {
      const before = MEMBERS.indexOf(segments[index]!.person ?? '');
      expect(segment.person).toBe(MEMBERS[(before + 1) % MEMBERS.length]);
    });
    // The person changes at the hand-off's very millisecond, not a moment before.
    for (const handoff of expected) {
      expect(schedule.whoIsOnCall(new Date(handoff - 1))?.person).toBe(schedule.shifts(new Date(handoff - 1), new Date(handoff))[0]?.person);
      expect(schedule.whoIsOnCall(new Date(handoff))).not.toEqual(schedule.whoIsOnCall(new Date(handoff - 1)));
    }
    // members[0] has the turn at the layer's own hand-off (none falls in a skipped or repeated hour, so luxon reads it unambiguously).
    const layerHandoff = DateTime.fromISO(dstCase.handoff, { zone: dstCase.zone }).toJSDate();
    expect(schedule.whoIsOnCall(layerHandoff)).toEqual({ person: MEMBERS[0], source: 'primary' });
  });
});

describe.each(['docs/oncall.md', 'README.md'])('%s', (file) => {
  it('prints this table, as dstTableMarkdown() writes it', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../..', file), 'utf8');
    expect(doc).toContain(dstTableMarkdown());
  });
});
