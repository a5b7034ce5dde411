import { configPath, configProblemsOf, MAX_CONFIG_OBJECTS, oncallConfigSchema } from './oncall-config';

const layer = { members: ['U0A', 'U0B'], shift: '1w', handoff: '2026-12-07T09:00' };
const schedule = { time_zone: 'Europe/Berlin', layers: [layer] };

/** `path: message` of each refusal, as the CLI and the 422 write them. */
function problems(document: unknown): string[] {
  const parsed = oncallConfigSchema.safeParse(document);
  return parsed.success ? [] : configProblemsOf(parsed.error).map((p) => `${p.path}: ${p.message}`);
}

describe('oncallConfigSchema', () => {
  it('takes each section as names to the bodies of their PUT routes, and leaves out what the file does not have', () => {
    const parsed = oncallConfigSchema.parse({
      schedules: { payments: schedule },
      escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '300s' }] } },
    });
    expect(parsed.schedules?.payments?.layers[0]?.name).toBe('layer-1');
    expect(parsed.escalation_policies?.std?.repeat).toBe(0);
    expect(parsed.escalation_policies?.std?.steps[0]?.escalate_after).toEqual({ kind: 'elapsed', seconds: 300 });
    expect(parsed.services).toBeUndefined();
    expect(oncallConfigSchema.parse({})).toEqual({});
  });

  it.each<[string, unknown, string[]]>([
    ['a bad field, by its whole path', { schedules: { payments: { ...schedule, layers: [{ ...layer, shift: '30m' }] } } }, ['schedules.payments.layers[0].shift: shorter than 1h: shifts are an hour or longer (for a short swap, add an override)']],
    ['a name that is not a slug, by the name', { services: { Payments: { escalation_policy: 'std' } } }, ['services.Payments: "Payments" is not a name: 1 to 64 of a-z, 0-9 and "-", such as payments-primary']],
    ['an unknown field, by its own path', { services: { payments: { escalation_policy: 'std', channel: 'C1' } } }, ['services.payments.channel: unknown field (check the spelling)']],
    ['an unknown section', { heartbeat: {} }, ['heartbeat: unknown section: the sections are schedules, escalation_policies, services, heartbeats (check the spelling)']],
    ['a section that is a list', { schedules: [schedule] }, ['schedules: a map of schedule names to schedules']],
    ['a document that is a list', [schedule], [': the on-call config is a map of sections (schedules, escalation_policies, services, heartbeats)']],
    ['a policy whose target names two things', { escalation_policies: { std: { steps: [{ targets: [{ schedule: 'a', person: 'U0A' }], escalate_after: '5m' }] } } }, [
      'escalation_policies.std.steps[0].targets[0]: a target is {"schedule": name} or {"person": Slack user id}, exactly one of them',
    ]],
  ])('refuses %s', (_case, document, expected) => {
    expect(problems(document)).toEqual(expected);
  });

  it(`refuses more than ${MAX_CONFIG_OBJECTS} objects in a section`, () => {
    const many = Object.fromEntries(Array.from({ length: MAX_CONFIG_OBJECTS + 1 }, (_, i) => [`s-${i}`, schedule]));
    expect(problems({ schedules: many })).toEqual([`schedules: at most ${MAX_CONFIG_OBJECTS} schedules`]);
  });
});

describe('configPath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(configPath(['schedules', 'payments', 'layers', 0, 'restrict', 1, 'days'])).toBe('schedules.payments.layers[0].restrict[1].days');
    expect(configPath([])).toBe('');
  });
});
