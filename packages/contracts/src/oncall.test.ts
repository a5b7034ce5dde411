import type { z } from 'zod';
import {
  escalationPolicyRequestSchema,
  isWallClockTime,
  wallClockMilliseconds,
  overrideRequestSchema,
  scheduleRequestSchema,
  serviceRequestSchema,
} from './oncall';

/** `layers[1].shift: …`: the path and message of each refusal, as the backend's 422 detail writes them. */
function refusals(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
    return `${field}: ${issue.message}`;
  });
}

const layer = { members: ['U0A', 'U0B'], shift: '1w', handoff: '2026-12-07T09:00' };
const schedule = { time_zone: 'Europe/Berlin', layers: [layer] };

describe('scheduleRequestSchema', () => {
  it('names unnamed layers by position, spells the zone canonically and parses shifts', () => {
    const parsed = scheduleRequestSchema.parse({
      time_zone: 'europe/berlin',
      layers: [layer, { ...layer, name: 'weekend', shift: '12h', restrict: [{ days: ['sat', 'sun'], from: '22:00', to: '06:00' }] }, layer],
    });
    expect(parsed.time_zone).toBe('Europe/Berlin');
    expect(parsed.layers.map((l) => l.name)).toEqual(['layer-1', 'weekend', 'layer-3']);
    expect(parsed.layers[0]?.shift).toEqual({ kind: 'calendar', days: 7 });
    expect(parsed.layers[1]?.shift).toEqual({ kind: 'elapsed', seconds: 43_200 });
    expect(parsed.layers[1]?.restrict).toEqual([{ days: ['sat', 'sun'], from: '22:00', to: '06:00' }]);
  });

  it.each<[string, unknown, string]>([
    ['an unknown zone, quoted', { ...schedule, time_zone: 'Europe/Berlinn' }, 'time_zone: unknown zone "Europe/Berlinn"'],
    ['an offset for a zone', { ...schedule, time_zone: '+01:00' }, 'time_zone: unknown zone "+01:00"'],
    ['no layers', { ...schedule, layers: [] }, 'layers: at least one layer'],
    ['too many layers', { ...schedule, layers: Array(11).fill(layer) }, 'layers: at most 10 layers'],
    ['a zero shift', { ...schedule, layers: [layer, { ...layer, shift: '0h' }] }, 'layers[1].shift: "0h" is zero'],
    ['a shift without a unit', { ...schedule, layers: [{ ...layer, shift: '7' }] }, 'layers[0].shift: "7" has no unit'],
    ['a shift under an hour', { ...schedule, layers: [{ ...layer, shift: '30m' }] }, 'layers[0].shift: shorter than 1h'],
    ['a shift mixing days and hours', { ...schedule, layers: [{ ...layer, shift: '1d12h' }] }, 'layers[0].shift: "1d12h" mixes days'],
    ['a hand-off with seconds', { ...schedule, layers: [{ ...layer, handoff: '2026-12-07T09:00:00' }] }, 'layers[0].handoff: "2026-12-07T09:00:00" is not a wall-clock time YYYY-MM-DDTHH:MM'],
    ['a hand-off with an offset', { ...schedule, layers: [{ ...layer, handoff: '2026-12-07T09:00Z' }] }, 'layers[0].handoff: "2026-12-07T09:00Z" is not a wall-clock time'],
    ['a hand-off on 30 February', { ...schedule, layers: [{ ...layer, handoff: '2026-02-30T09:00' }] }, 'layers[0].handoff: "2026-02-30T09:00" is not'],
    ['no members', { ...schedule, layers: [{ ...layer, members: [] }] }, 'layers[0].members: at least one member'],
    ['too many members', { ...schedule, layers: [{ ...layer, members: Array(101).fill('U0A') }] }, 'layers[0].members: at most 100 members'],
    ['a member that is not a Slack user id', { ...schedule, layers: [{ ...layer, members: ['U0A', 'jane'] }] }, 'layers[0].members[1]: "jane" is not a Slack user id'],
    ['a channel id for a member', { ...schedule, layers: [{ ...layer, members: ['C024BE91L'] }] }, 'layers[0].members[0]: "C024BE91L" is not a Slack user id'],
    ['a name that is not a slug', { ...schedule, layers: [{ ...layer, name: 'Week Days' }] }, 'layers[0].name: "Week Days" is not a name'],
    ['a layer named override', { ...schedule, layers: [{ ...layer, name: 'override' }] }, 'layers[0].name: "override" is kept for overrides'],
    ['two layers with one name', { ...schedule, layers: [layer, { ...layer, name: 'layer-1' }] }, 'layers[1].name: "layer-1" is already the name of layers[0]'],
    ['a restriction day misspelt', { ...schedule, layers: [{ ...layer, restrict: [{ days: ['mon', 'tues'], from: '09:00', to: '17:00' }] }] }, 'layers[0].restrict[0].days[1]: "tues" is not a day'],
    ['a restriction with no day', { ...schedule, layers: [{ ...layer, restrict: [{ days: [], from: '09:00', to: '17:00' }] }] }, 'layers[0].restrict[0].days: at least one day'],
    ['a day twice', { ...schedule, layers: [{ ...layer, restrict: [{ days: ['mon', 'mon'], from: '09:00', to: '17:00' }] }] }, 'layers[0].restrict[0].days: each day once'],
    ['a restriction from 9:00', { ...schedule, layers: [{ ...layer, restrict: [{ days: ['mon'], from: '9:00', to: '17:00' }] }] }, 'layers[0].restrict[0].from: "9:00" is not a time of day HH:MM'],
    ['a restriction to 24:00', { ...schedule, layers: [{ ...layer, restrict: [{ days: ['mon'], from: '09:00', to: '24:00' }] }] }, 'layers[0].restrict[0].to: "24:00" is not a time of day'],
    ['an empty restrict', { ...schedule, layers: [{ ...layer, restrict: [] }] }, 'layers[0].restrict: at least one window'],
    ['an unknown field', { ...schedule, layers: [{ ...layer, rotation: 'weekly' }] }, 'layers[0]: Unrecognized key: "rotation"'],
  ])('refuses %s, naming the field', (_name, body, expected) => {
    expect(refusals(scheduleRequestSchema, body).join('\n')).toContain(expected);
  });

  it('takes a restriction whose end is at or before its start (past midnight, or a whole day)', () => {
    const restrict = [
      { days: ['fri'], from: '22:00', to: '06:00' },
      { days: ['sat'], from: '09:00', to: '09:00' },
    ];
    expect(refusals(scheduleRequestSchema, { ...schedule, layers: [{ ...layer, restrict }] })).toEqual([]);
  });
});

describe('overrideRequestSchema', () => {
  it('reads the instants', () => {
    expect(overrideRequestSchema.parse({ person: 'W0ABC', start: '2026-12-07T09:00:00+01:00', end: '2026-12-07T10:00:00Z' })).toEqual({
      person: 'W0ABC',
      start: new Date('2026-12-07T08:00:00Z'),
      end: new Date('2026-12-07T10:00:00Z'),
    });
  });

  it.each<[string, unknown, string]>([
    ['an end before the start', { person: 'U0A', start: '2026-12-07T10:00:00Z', end: '2026-12-07T09:00:00Z' }, 'end: must be after start'],
    ['an end equal to the start', { person: 'U0A', start: '2026-12-07T10:00:00Z', end: '2026-12-07T10:00:00Z' }, 'end: must be after start'],
    ['a wall-clock start', { person: 'U0A', start: '2026-12-07T09:00', end: '2026-12-07T10:00:00Z' }, 'start: an ISO 8601 instant'],
    ['a person that is not a Slack user id', { person: '@jane', start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' }, 'person: "@jane" is not a Slack user id'],
    ['a start before 1970', { person: 'U0A', start: '1969-12-31T23:59:59Z', end: '2026-12-07T10:00:00Z' }, 'start: an instant from 1970 to 8999'],
    ['an end in the year 9000', { person: 'U0A', start: '2026-12-07T09:00:00Z', end: '9000-01-01T00:00:00Z' }, 'end: an instant from 1970 to 8999'],
  ])('refuses %s', (_name, body, expected) => {
    expect(refusals(overrideRequestSchema, body).join('\n')).toContain(expected);
  });
});

describe('escalationPolicyRequestSchema', () => {
  const step = { targets: [{ schedule: 'payments' }, { person: 'U0M' }], escalate_after: '10m' };

  it('reads targets, waits and repeat (0 when left out)', () => {
    expect(escalationPolicyRequestSchema.parse({ steps: [step] })).toEqual({
      steps: [{ targets: [{ schedule: 'payments' }, { person: 'U0M' }], escalate_after: { kind: 'elapsed', seconds: 600 } }],
      repeat: 0,
    });
    expect(escalationPolicyRequestSchema.parse({ steps: [{ ...step, escalate_after: '5s' }], repeat: 5 }).repeat).toBe(5);
  });

  it.each<[string, unknown, string]>([
    ['escalate_after under 5s', { steps: [step, { ...step, escalate_after: '4s' }] }, 'steps[1].escalate_after: under 5s'],
    ['a zero escalate_after', { steps: [{ ...step, escalate_after: '0s' }] }, 'steps[0].escalate_after: "0s" is zero'],
    ['no steps', { steps: [] }, 'steps: at least one step'],
    ['too many steps', { steps: Array(11).fill(step) }, 'steps: at most 10 steps'],
    ['no targets', { steps: [{ ...step, targets: [] }] }, 'steps[0].targets: at least one target'],
    ['too many targets', { steps: [{ ...step, targets: Array(11).fill({ person: 'U0M' }) }] }, 'steps[0].targets: at most 10 targets'],
    ['a target naming both', { steps: [{ ...step, targets: [{ schedule: 'payments', person: 'U0M' }] }] }, 'steps[0].targets[0]: a target is {"schedule": name} or {"person": Slack user id}, exactly one'],
    ['an empty target', { steps: [{ ...step, targets: [{}] }] }, 'steps[0].targets[0]: a target is'],
    ['a schedule that is not a slug', { steps: [{ ...step, targets: [{ schedule: 'Payments!' }] }] }, 'steps[0].targets[0].schedule: "Payments!" is not a name'],
    ['a person that is not a Slack user id', { steps: [{ ...step, targets: [{ person: 'jane' }] }] }, 'steps[0].targets[0].person: "jane" is not a Slack user id'],
    ['repeat above 5', { steps: [step], repeat: 6 }, 'repeat: at most 5'],
    ['a negative repeat', { steps: [step], repeat: -1 }, 'repeat: a whole number from 0 to 5'],
    ['a fractional repeat', { steps: [step], repeat: 1.5 }, 'repeat: a whole number from 0 to 5'],
    ['repeat as text', { steps: [step], repeat: '2' }, 'repeat: a whole number from 0 to 5'],
  ])('refuses %s', (_name, body, expected) => {
    expect(refusals(escalationPolicyRequestSchema, body).join('\n')).toContain(expected);
  });
});

describe('serviceRequestSchema', () => {
  it('takes a policy alone, or with a channel and a user group', () => {
    expect(serviceRequestSchema.parse({ escalation_policy: 'payments' })).toEqual({ escalation_policy: 'payments' });
    expect(refusals(serviceRequestSchema, { escalation_policy: 'payments', slack_channel: 'C024BE91L', slack_usergroup: 'S0PAY' })).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['a policy name that is not a slug', { escalation_policy: 'a'.repeat(65) }, 'escalation_policy: "aaaa'],
    ['a channel name for a channel id', { escalation_policy: 'payments', slack_channel: '#payments' }, 'slack_channel: a Slack channel id'],
    ['a user group handle for its id', { escalation_policy: 'payments', slack_usergroup: '@payments-oncall' }, 'slack_usergroup: "@payments-oncall" is not a Slack user group id'],
    ['a user id for a user group', { escalation_policy: 'payments', slack_usergroup: 'U0PAY' }, 'slack_usergroup: "U0PAY" is not a Slack user group id'],
  ])('refuses %s', (_name, body, expected) => {
    expect(refusals(serviceRequestSchema, body).join('\n')).toContain(expected);
  });
});

describe('wallClockMilliseconds', () => {
  it('counts a wall-clock time as if it were UTC, so that days add as 24 hours', () => {
    expect(wallClockMilliseconds('2026-03-29T02:30')).toBe(Date.UTC(2026, 2, 29, 2, 30));
    expect(wallClockMilliseconds('2026-03-30T02:30')! - wallClockMilliseconds('2026-03-29T02:30')!).toBe(86_400_000);
  });
});

describe('isWallClockTime', () => {
  it.each([
    ['2026-12-07T09:00', true],
    ['2028-02-29T23:59', true],
    ['2026-02-29T09:00', false],
    ['2026-13-01T09:00', false],
    ['2026-12-07T24:00', false],
    ['2026-12-07T09:60', false],
    ['1969-12-31T23:00', false],
    ['2026-12-07 09:00', false],
  ])('%s → %s', (text, expected) => {
    expect(isWallClockTime(text)).toBe(expected);
  });
});
