import { scheduleRequestSchema, type Duration } from '@klaxon/contracts';
import { compileSchedule, scheduleFromRequest, segmentAt, shifts, whoIsOnCall, type Layer, type Override, type Schedule } from './schedule';

const at = (iso: string) => new Date(iso);
const days = (count: number): Duration => ({ kind: 'calendar', days: count });
const hours = (count: number): Duration => ({ kind: 'elapsed', seconds: count * 3600 });
const layer = (name: string, members: string[], shift: Duration, handoff: string, restrict?: Layer['restrict']): Layer => ({
  name,
  members,
  shift,
  handoff,
  ...(restrict === undefined ? {} : { restrict }),
});
const override = (id: string, person: string, start: string, end: string): Override => ({ id, person, start: at(start), end: at(end) });

// UTC keeps these tests about layers, restrictions and overrides; the zone's part is in dst-cases and zone-rules.
const weekly = layer('primary', ['U0A', 'U0B', 'U0C'], days(7), '2026-12-07T09:00');
const businessHours = layer('business-hours', ['U0D', 'U0E'], days(1), '2026-12-07T09:00', [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
]);
const schedule: Schedule = { timeZone: 'UTC', layers: [weekly, businessHours] };
const personAt = (s: Schedule, overrides: readonly Override[], iso: string) => whoIsOnCall(s, overrides, at(iso))?.person ?? null;

describe('whoIsOnCall', () => {
  it.each([
    ['members[0] at the hand-off', { timeZone: 'UTC', layers: [weekly] }, '2026-12-07T09:00:00Z', 'U0A'],
    ['members[0] until a shift later', { timeZone: 'UTC', layers: [weekly] }, '2026-12-14T08:59:59.999Z', 'U0A'],
    ['the next member a shift later', { timeZone: 'UTC', layers: [weekly] }, '2026-12-14T09:00:00Z', 'U0B'],
    ['round and round: members[0] again after every member had a turn', { timeZone: 'UTC', layers: [weekly] }, '2026-12-28T09:00:00Z', 'U0A'],
    ['backwards before the hand-off: the last member the shift before', { timeZone: 'UTC', layers: [weekly] }, '2026-12-07T08:59:59.999Z', 'U0C'],
    ['far back in time, still in turn', { timeZone: 'UTC', layers: [weekly] }, '2026-11-16T09:00:00Z', 'U0A'],
    ['the top layer when it is on duty (a Monday at 10:00)', schedule, '2026-12-07T10:00:00Z', 'U0D'],
    ['the top layer until its window closes', schedule, '2026-12-07T16:59:59.999Z', 'U0D'],
    ['the layer below once it closes', schedule, '2026-12-07T17:00:00Z', 'U0A'],
    ['the layer below at the weekend', schedule, '2026-12-12T12:00:00Z', 'U0A'],
    ['the top layer rotates daily: Tuesday is the next member', schedule, '2026-12-08T09:00:00Z', 'U0E'],
  ])('%s', (_name, s, instant, expected) => {
    expect(personAt(s, [], instant)).toBe(expected);
  });

  it('says where the answer comes from', () => {
    expect(whoIsOnCall(schedule, [], at('2026-12-07T10:00:00Z'))).toEqual({ person: 'U0D', source: 'business-hours' });
    expect(whoIsOnCall(schedule, [], at('2026-12-07T20:00:00Z'))).toEqual({ person: 'U0A', source: 'primary' });
    const covering = override('o1', 'U0Z', '2026-12-07T09:30:00Z', '2026-12-07T10:30:00Z');
    expect(whoIsOnCall(schedule, [covering], at('2026-12-07T10:00:00Z'))).toEqual({ person: 'U0Z', source: 'override' });
  });

  it('is null when no layer is on duty', () => {
    const nights = { timeZone: 'UTC', layers: [layer('nights', ['U0N'], days(1), '2026-12-07T22:00', [{ days: ['mon'], from: '22:00', to: '06:00' }])] };
    expect(whoIsOnCall(nights, [], at('2026-12-07T21:59:00Z'))).toBeNull();
    expect(whoIsOnCall(nights, [], at('2026-12-08T06:00:00Z'))).toBeNull();
    expect(whoIsOnCall(nights, [], at('2026-12-08T05:59:00Z'))).toEqual({ person: 'U0N', source: 'nights' });
  });

  it('refuses an invalid date rather than answer for it', () => {
    expect(() => whoIsOnCall(schedule, [], new Date('not a date'))).toThrow(RangeError);
  });
});

describe('restrictions', () => {
  const restricted = (restrict: Layer['restrict'], timeZone = 'UTC'): Schedule => ({
    timeZone,
    layers: [layer('restricted', ['U0R'], days(7), '2026-12-07T00:00', restrict)],
  });

  it.each<[string, Schedule, string, boolean]>([
    ['past midnight: on duty after midnight, on the next day', restricted([{ days: ['fri'], from: '22:00', to: '06:00' }]), '2026-12-12T03:00:00Z', true],
    ['past midnight: the day named is the day the window starts', restricted([{ days: ['fri'], from: '22:00', to: '06:00' }]), '2026-12-11T03:00:00Z', false],
    ['past midnight: off duty at the end', restricted([{ days: ['fri'], from: '22:00', to: '06:00' }]), '2026-12-12T06:00:00Z', false],
    ['past midnight: on duty from the start', restricted([{ days: ['fri'], from: '22:00', to: '06:00' }]), '2026-12-11T22:00:00Z', true],
    ['from equal to to is a whole day from `from`', restricted([{ days: ['sat'], from: '09:00', to: '09:00' }]), '2026-12-13T08:59:00Z', true],
    ['from equal to to ends at `from` the next day', restricted([{ days: ['sat'], from: '09:00', to: '09:00' }]), '2026-12-13T09:00:00Z', false],
    ['overlapping windows: on duty in either', restricted([{ days: ['mon'], from: '09:00', to: '12:00' }, { days: ['mon'], from: '11:00', to: '14:00' }]), '2026-12-07T13:00:00Z', true],
    ['an empty list of windows: never on duty', restricted([]), '2026-12-07T13:00:00Z', false],
    ['windows are in the schedule zone: 09:00 Berlin is 08:00Z in winter', restricted([{ days: ['mon'], from: '09:00', to: '17:00' }], 'Europe/Berlin'), '2026-12-07T08:00:00Z', true],
    ['windows are in the schedule zone: 07:59Z is 08:59 in Berlin', restricted([{ days: ['mon'], from: '09:00', to: '17:00' }], 'Europe/Berlin'), '2026-12-07T07:59:00Z', false],
    ['a window inside the skipped hour is empty', restricted([{ days: ['sun'], from: '02:10', to: '02:40' }], 'Europe/Berlin'), '2026-03-29T01:00:00Z', false],
    ['a window ending in the skipped hour ends at the change', restricted([{ days: ['sat'], from: '22:00', to: '02:30' }], 'Europe/Berlin'), '2026-03-29T00:59:59Z', true],
    ['… and not after it', restricted([{ days: ['sat'], from: '22:00', to: '02:30' }], 'Europe/Berlin'), '2026-03-29T01:00:00Z', false],
    ['a window ending at a repeated time ends at its first occurrence', restricted([{ days: ['sat'], from: '22:00', to: '02:30' }], 'Europe/Berlin'), '2026-10-25T01:10:00Z', false],
    // Santiago falls back at midnight on 2026-04-05: Saturday 23:00–23:59 happens at −03, then again at −04.
    ['a window in a repeated hour holds in its first occurrence', restricted([{ days: ['sat'], from: '23:00', to: '23:30' }], 'America/Santiago'), '2026-04-05T02:10:00Z', true],
    ['… and not in the second', restricted([{ days: ['sat'], from: '23:00', to: '23:30' }], 'America/Santiago'), '2026-04-05T03:10:00Z', false],
  ])('%s', (_name, s, instant, onDuty) => {
    expect(personAt(s, [], instant)).toBe(onDuty ? 'U0R' : null);
  });
});

describe('overrides', () => {
  const single: Schedule = { timeZone: 'UTC', layers: [weekly] };

  it('beat every layer, exactly for their interval', () => {
    const covering = [override('o1', 'U0Z', '2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z')];
    expect(personAt(schedule, covering, '2026-12-07T09:59:59.999Z')).toBe('U0D');
    expect(personAt(schedule, covering, '2026-12-07T10:00:00Z')).toBe('U0Z');
    expect(personAt(schedule, covering, '2026-12-07T10:59:59.999Z')).toBe('U0Z');
    expect(personAt(schedule, covering, '2026-12-07T11:00:00Z')).toBe('U0D');
  });

  it('put someone on call when no layer is on duty', () => {
    const nobody: Schedule = { timeZone: 'UTC', layers: [{ ...weekly, restrict: [] }] };
    expect(personAt(nobody, [override('o1', 'U0Z', '2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z')], '2026-12-07T10:30:00Z')).toBe('U0Z');
  });

  it('overlap: the one listed last (created last) wins where they overlap, and only there', () => {
    const week = override('o1', 'U0W', '2026-12-07T00:00:00Z', '2026-12-14T00:00:00Z');
    const evening = override('o2', 'U0E', '2026-12-08T18:00:00Z', '2026-12-08T22:00:00Z');
    expect(personAt(single, [week, evening], '2026-12-08T19:00:00Z')).toBe('U0E');
    expect(personAt(single, [week, evening], '2026-12-08T22:00:00Z')).toBe('U0W');
    expect(personAt(single, [evening, week], '2026-12-08T19:00:00Z')).toBe('U0W');
    expect(shifts(single, [week, evening], at('2026-12-07T00:00:00Z'), at('2026-12-14T00:00:00Z')).map((s) => s.person)).toEqual(['U0W', 'U0E', 'U0W']);
  });

  it('an override whose end is not after its start covers nothing', () => {
    expect(personAt(single, [override('o1', 'U0Z', '2026-12-07T11:00:00Z', '2026-12-07T10:00:00Z')], '2026-12-07T10:30:00Z')).toBe('U0A');
  });

  it('adjacent overrides of one person are one segment; an override of the person already on call is still its own', () => {
    const first = override('o1', 'U0Z', '2026-12-08T00:00:00Z', '2026-12-08T12:00:00Z');
    const second = override('o2', 'U0Z', '2026-12-08T12:00:00Z', '2026-12-09T00:00:00Z');
    const same = override('o3', 'U0A', '2026-12-10T00:00:00Z', '2026-12-11T00:00:00Z');
    expect(shifts(single, [first, second, same], at('2026-12-07T09:00:00Z'), at('2026-12-14T09:00:00Z'))).toEqual([
      { person: 'U0A', source: 'primary', start: at('2026-12-07T09:00:00Z'), end: at('2026-12-08T00:00:00Z') },
      { person: 'U0Z', source: 'override', start: at('2026-12-08T00:00:00Z'), end: at('2026-12-09T00:00:00Z') },
      { person: 'U0A', source: 'primary', start: at('2026-12-09T00:00:00Z'), end: at('2026-12-10T00:00:00Z') },
      { person: 'U0A', source: 'override', start: at('2026-12-10T00:00:00Z'), end: at('2026-12-11T00:00:00Z') },
      { person: 'U0A', source: 'primary', start: at('2026-12-11T00:00:00Z'), end: at('2026-12-14T09:00:00Z') },
    ]);
  });
});

describe('shifts', () => {
  it('tiles the window, nobody on call included as person null', () => {
    const daytime: Schedule = { timeZone: 'UTC', layers: [businessHours] };
    expect(shifts(daytime, [], at('2026-12-11T12:00:00Z'), at('2026-12-14T12:00:00Z'))).toEqual([
      { person: 'U0D', source: 'business-hours', start: at('2026-12-11T12:00:00Z'), end: at('2026-12-11T17:00:00Z') },
      { person: null, source: null, start: at('2026-12-11T17:00:00Z'), end: at('2026-12-14T09:00:00Z') },
      // The rotation goes on at the weekend, off duty: Monday is the next member's turn.
      { person: 'U0E', source: 'business-hours', start: at('2026-12-14T09:00:00Z'), end: at('2026-12-14T12:00:00Z') },
    ]);
  });

  it('merges turns of the same person in a layer (one member, or the same member twice in a row)', () => {
    const alone: Schedule = { timeZone: 'UTC', layers: [layer('solo', ['U0S'], hours(8), '2026-12-07T09:00')] };
    expect(shifts(alone, [], at('2026-12-07T00:00:00Z'), at('2026-12-10T00:00:00Z'))).toHaveLength(1);
    const twice: Schedule = { timeZone: 'UTC', layers: [layer('twice', ['U0A', 'U0A', 'U0B'], days(1), '2026-12-07T09:00')] };
    expect(shifts(twice, [], at('2026-12-07T09:00:00Z'), at('2026-12-10T09:00:00Z')).map((s) => [s.person, s.end.toISOString()])).toEqual([
      ['U0A', '2026-12-09T09:00:00.000Z'],
      ['U0B', '2026-12-10T09:00:00.000Z'],
    ]);
  });

  it.each([
    ['a window longer than 90 days', '2026-01-01T00:00:00Z', '2026-04-01T00:00:01Z', 'a window of shifts is at most 90 days long'],
    ['an empty window', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'until must be after from'],
    ['a window ending before it starts', '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z', 'until must be after from'],
  ])('refuses %s', (_name, from, until, message) => {
    expect(() => shifts(schedule, [], at(from), at(until))).toThrow(message);
  });

  it('takes a window of exactly 90 days', () => {
    const window = shifts(schedule, [], at('2026-01-01T00:00:00Z'), at('2026-04-01T00:00:00Z'));
    expect(window[0]?.start).toEqual(at('2026-01-01T00:00:00Z'));
    expect(window.at(-1)?.end).toEqual(at('2026-04-01T00:00:00Z'));
  });
});

describe('segmentAt', () => {
  it('is the whole turn holding the instant', () => {
    expect(segmentAt({ timeZone: 'UTC', layers: [weekly] }, [], at('2026-12-10T00:00:00Z'))).toEqual({
      person: 'U0A',
      source: 'primary',
      start: at('2026-12-07T09:00:00Z'),
      end: at('2026-12-14T09:00:00Z'),
    });
  });

  it('is cut by an override, and is the override inside it', () => {
    const covering = [override('o1', 'U0Z', '2026-12-09T00:00:00Z', '2026-12-09T06:00:00Z')];
    expect(segmentAt({ timeZone: 'UTC', layers: [weekly] }, covering, at('2026-12-10T00:00:00Z')).start).toEqual(at('2026-12-09T06:00:00Z'));
    expect(segmentAt({ timeZone: 'UTC', layers: [weekly] }, covering, at('2026-12-09T03:00:00Z'))).toMatchObject({ person: 'U0Z', source: 'override' });
  });

  it('spans a gap where nobody is on call', () => {
    expect(segmentAt({ timeZone: 'UTC', layers: [businessHours] }, [], at('2026-12-12T12:00:00Z'))).toEqual({
      person: null,
      source: null,
      start: at('2026-12-11T17:00:00Z'),
      end: at('2026-12-14T09:00:00Z'),
    });
  });

  it('looks 90 days either way at most: an endless segment is returned ending there', () => {
    const forever: Schedule = { timeZone: 'UTC', layers: [layer('solo', ['U0S'], days(7), '2026-12-07T09:00')] };
    expect(segmentAt(forever, [], at('2026-06-01T00:00:00Z'))).toEqual({
      person: 'U0S',
      source: 'solo',
      start: at('2026-03-03T00:00:00Z'),
      end: at('2026-08-30T00:00:00Z'),
    });
  });

  it('finds a segment of several weeks', () => {
    const monthly: Schedule = { timeZone: 'UTC', layers: [layer('monthly', ['U0A', 'U0B'], days(28), '2026-12-07T09:00')] };
    expect(segmentAt(monthly, [], at('2026-12-30T00:00:00Z'))).toMatchObject({ start: at('2026-12-07T09:00:00Z'), end: at('2027-01-04T09:00:00Z') });
  });
});

describe('compileSchedule', () => {
  it('answers the same as the one-off functions, from one compiled form', () => {
    const covering = [override('o1', 'U0Z', '2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z')];
    const compiled = compileSchedule(schedule, covering);
    for (const instant of ['2026-12-07T10:30:00Z', '2026-12-07T12:00:00Z', '2026-12-12T12:00:00Z']) {
      expect(compiled.whoIsOnCall(at(instant))).toEqual(whoIsOnCall(schedule, covering, at(instant)));
    }
  });

  it('refuses a schedule it cannot compute: an unknown zone, a malformed hand-off, a layer with no member', () => {
    expect(() => compileSchedule({ timeZone: 'Europe/Berlinn', layers: [weekly] }, [])).toThrow('unknown time zone "Europe/Berlinn"');
    expect(() => compileSchedule({ timeZone: 'UTC', layers: [{ ...weekly, handoff: '2026-12-07 09:00' }] }, [])).toThrow('is not a wall-clock time');
    expect(() => compileSchedule({ timeZone: 'UTC', layers: [{ ...weekly, members: [] }] }, [])).toThrow('at least one member');
  });
});

describe('scheduleFromRequest', () => {
  it('turns a validated PUT body into the schedule it describes', () => {
    const body = scheduleRequestSchema.parse({
      time_zone: 'europe/berlin',
      layers: [
        { members: ['U0A', 'U0B'], shift: '1w', handoff: '2026-12-07T09:00' },
        { members: ['U0C'], shift: '12h', handoff: '2026-12-07T09:00', restrict: [{ days: ['sat', 'sun'], from: '09:00', to: '21:00' }] },
      ],
    });
    const parsed = scheduleFromRequest(body);
    expect(parsed).toEqual({
      timeZone: 'Europe/Berlin',
      layers: [
        { name: 'layer-1', members: ['U0A', 'U0B'], shift: days(7), handoff: '2026-12-07T09:00' },
        { name: 'layer-2', members: ['U0C'], shift: hours(12), handoff: '2026-12-07T09:00', restrict: [{ days: ['sat', 'sun'], from: '09:00', to: '21:00' }] },
      ],
    });
    expect(whoIsOnCall(parsed, [], at('2026-12-12T10:00:00Z'))).toEqual({ person: 'U0C', source: 'layer-2' });
  });
});
