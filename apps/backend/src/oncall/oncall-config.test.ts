import { oncallConfigSchema, type OnCallConfigDto, type ScheduleConfig } from '@klaxon/contracts';
import { desiredConfigOf, fieldChanges, planConfig } from './oncall-config';

const weekly: ScheduleConfig = { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U0A', 'U0B'], shift: '1w', handoff: '2026-12-07T09:00' }] };
const stored: OnCallConfigDto = {
  schedules: { payments: weekly, legacy: { ...weekly, time_zone: 'UTC' } },
  escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '5m' }], repeat: 0 } },
  services: { payments: { escalation_policy: 'std', slack_usergroup: 'S0PAY' } },
  heartbeats: { 'nightly-backup': { service: 'payments', interval: '1m', grace: '30s', severity: 'high' } },
};

/** The file as the CLI sends it, validated and made canonical as the backend does. */
const desired = (document: unknown) => desiredConfigOf(oncallConfigSchema.parse(document));
const summary = (plan: ReturnType<typeof planConfig>) => plan.changes.map((c) => `${c.action} ${c.section}.${c.name}`);

describe('desiredConfigOf', () => {
  it('writes what means the same as the store writes it: zone, durations, layer names, repeat', () => {
    const file = desired({
      schedules: { payments: { time_zone: 'europe/berlin', layers: [{ members: ['U0A', 'U0B'], shift: '7d', handoff: '2026-12-07T09:00' }] } },
      escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '300s' }] } },
    });
    expect(file).toEqual({
      schedules: { payments: { time_zone: 'Europe/Berlin', layers: [{ name: 'layer-1', members: ['U0A', 'U0B'], shift: '1w', handoff: '2026-12-07T09:00' }] } },
      escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '5m' }], repeat: 0 } },
    });
  });

  it('writes heartbeats’ durations as elapsed time, leaves out no grace, and always writes the severity', () => {
    expect(desired({ heartbeats: { daily: { service: 'payments', interval: '1d', grace: '3600s' }, quick: { service: 'payments', interval: '60s', severity: 'low' } } })).toEqual({
      heartbeats: { daily: { service: 'payments', interval: '24h', grace: '1h', severity: 'high' }, quick: { service: 'payments', interval: '1m', severity: 'low' } },
    });
  });
});

describe('planConfig', () => {
  it('finds nothing to do when the file says what is stored, however it is spelt', () => {
    const plan = planConfig(stored, desired({ ...stored, escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '300s' }] } } }), false);
    expect(plan).toEqual({ changes: [], unchanged: 5, kept: [], problems: [] });
  });

  it('creates, changes field by field, keeps what the file lacks, and leaves a section it lacks alone', () => {
    const plan = planConfig(
      stored,
      desired({
        schedules: { payments: { ...weekly, layers: [{ ...weekly.layers[0], members: ['U0A', 'U0B', 'U0C'] }] }, db: weekly },
        escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '10m' }], repeat: 2 } },
      }),
      false,
    );
    expect(summary(plan)).toEqual(['create schedules.db', 'update schedules.payments', 'update escalation_policies.std']);
    expect(plan.changes[1]?.fields).toEqual([{ path: 'layers[0].members', before: ['U0A', 'U0B'], after: ['U0A', 'U0B', 'U0C'] }]);
    expect(plan.changes[2]?.fields).toEqual([
      { path: 'steps[0].escalate_after', before: '5m', after: '10m' },
      { path: 'repeat', before: 0, after: 2 },
    ]);
    // `legacy` is not in the file: kept without prune. Services are not in the file at all: not even listed.
    expect(plan.kept).toEqual([{ section: 'schedules', name: 'legacy' }]);
    expect(plan.problems).toEqual([]);
  });

  it('deletes with prune, in an order where every link holds: heartbeats and services first, what others use last', () => {
    const plan = planConfig(stored, desired({ schedules: { db: weekly }, escalation_policies: { other: { steps: [{ targets: [{ schedule: 'db' }], escalate_after: '5m' }] } }, services: {}, heartbeats: {} }), true);
    expect(summary(plan)).toEqual([
      'delete heartbeats.nightly-backup',
      'delete services.payments',
      'create schedules.db',
      'create escalation_policies.other',
      'delete escalation_policies.std',
      'delete schedules.legacy',
      'delete schedules.payments',
    ]);
    expect(plan.problems).toEqual([]);
  });

  it('refuses a link to nothing, naming the field in the file', () => {
    const plan = planConfig(stored, desired({ escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }, { schedule: 'nope' }], escalate_after: '5m' }] } }, services: { api: { escalation_policy: 'gone' } } }), false);
    expect(plan.problems).toEqual([
      { path: 'escalation_policies.std.steps[0].targets[1].schedule', message: 'no schedule "nope" in the file or the tenant' },
      { path: 'services.api.escalation_policy', message: 'no escalation policy "gone" in the file or the tenant' },
    ]);
  });

  it('refuses to prune what the file still names, and what a kind the file does not manage still uses', () => {
    const namesPruned = planConfig(stored, desired({ schedules: {}, escalation_policies: stored.escalation_policies }), true);
    expect(namesPruned.problems).toEqual([
      { path: 'escalation_policies.std.steps[0].targets[0].schedule', message: 'schedule "payments" is not in the file, so prune would delete it: add it to the file, or name another' },
    ]);
    const usedByUnmanaged = planConfig(stored, desired({ escalation_policies: {} }), true);
    expect(usedByUnmanaged.problems).toEqual([
      {
        path: 'escalation_policies',
        message: 'prune would delete escalation policy "std", which service "payments" uses and the file does not manage (it has no services section): add "std" to the file',
      },
    ]);
    const serviceOfHeartbeat = planConfig(stored, desired({ services: {} }), true);
    expect(serviceOfHeartbeat.problems).toEqual([
      {
        path: 'services',
        message: 'prune would delete service "payments", which heartbeat "nightly-backup" uses and the file does not manage (it has no heartbeats section): add "payments" to the file',
      },
    ]);
    const heartbeatOfNothing = planConfig(stored, desired({ heartbeats: { cron: { service: 'billing', interval: '1h' } } }), false);
    expect(heartbeatOfNothing.problems).toEqual([{ path: 'heartbeats.cron.service', message: 'no service "billing" in the file or the tenant' }]);
  });

  it('refuses one user group for two services, on the side the file names', () => {
    const plan = planConfig(stored, desired({ services: { checkout: { escalation_policy: 'std', slack_usergroup: 'S0PAY' } } }), false);
    expect(plan.problems).toEqual([{ path: 'services.checkout.slack_usergroup', message: 'S0PAY is also the user group of service "payments": a mention of the group pages one service' }]);
    // Trading groups within the file is fine: the result is what counts.
    const traded = planConfig(stored, desired({ services: { payments: { escalation_policy: 'std', slack_usergroup: 'S0NEW' }, checkout: { escalation_policy: 'std', slack_usergroup: 'S0PAY' } } }), false);
    expect(traded.problems).toEqual([]);
  });
});

describe('fieldChanges', () => {
  it('lists an item only one side has as one change, and a removed optional field with after null', () => {
    const before = { layers: [{ name: 'a', restrict: [{ days: ['mon'], from: '09:00', to: '17:00' }] }] };
    const after = { layers: [{ name: 'a' }, { name: 'b' }] };
    expect(fieldChanges(before, after)).toEqual([
      { path: 'layers[0].restrict', before: [{ days: ['mon'], from: '09:00', to: '17:00' }], after: null },
      { path: 'layers[1]', before: null, after: { name: 'b' } },
    ]);
  });
});
