import { stretchOf } from './oncall-stretch';
import type { OnCallSegment } from './schedule';

const segment = (person: string | null, source: string | null, start: string, end: string): OnCallSegment =>
  (person === null ? { person, source: null, start: new Date(start), end: new Date(end) } : { person, source: source ?? 'primary', start: new Date(start), end: new Date(end) }) as OnCallSegment;

describe('stretchOf', () => {
  it.each<[string, OnCallSegment[], ReturnType<typeof stretchOf>]>([
    [
      'the person until the next one takes over',
      [segment('U0A', 'primary', '2026-12-09T00:00Z', '2026-12-10T00:00Z'), segment('U0B', 'primary', '2026-12-10T00:00Z', '2026-12-11T00:00Z')],
      { person: 'U0A', source: 'primary', until: new Date('2026-12-10T00:00Z'), next: { person: 'U0B', start: new Date('2026-12-10T00:00Z') } },
    ],
    [
      'one stretch across a layer and an override of the same person',
      [
        segment('U0A', 'primary', '2026-12-09T00:00Z', '2026-12-10T00:00Z'),
        segment('U0A', 'override', '2026-12-10T00:00Z', '2026-12-10T12:00Z'),
        segment('U0B', 'primary', '2026-12-10T12:00Z', '2026-12-11T00:00Z'),
      ],
      { person: 'U0A', source: 'primary', until: new Date('2026-12-10T12:00Z'), next: { person: 'U0B', start: new Date('2026-12-10T12:00Z') } },
    ],
    [
      'nobody until someone comes on duty',
      [segment(null, null, '2026-12-09T17:00Z', '2026-12-10T09:00Z'), segment('U0A', 'office', '2026-12-10T09:00Z', '2026-12-10T17:00Z')],
      { person: null, source: null, until: new Date('2026-12-10T09:00Z'), next: { person: 'U0A', start: new Date('2026-12-10T09:00Z') } },
    ],
    ['no change in sight', [segment('U0A', 'primary', '2026-12-09T00:00Z', '2027-03-09T00:00Z')], { person: 'U0A', source: 'primary', until: null, next: null }],
  ])('%s', (_name, segments, expected) => {
    expect(stretchOf(segments)).toEqual(expected);
  });

  it('refuses no segments at all', () => {
    expect(() => stretchOf([])).toThrow(RangeError);
  });
});
