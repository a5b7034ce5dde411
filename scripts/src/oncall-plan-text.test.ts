import type { OnCallPlanDto } from '@klaxon/contracts';
import { formatApplied, formatPlan } from './oncall-plan-text';

const base: OnCallPlanDto = { tenant_id: 'T0DEV', dry_run: true, prune: true, applied: false, changes: [], unchanged: 3, kept: [] };

describe('formatPlan', () => {
  it('says there is nothing to change, and what the file does not name', () => {
    expect(formatPlan({ ...base, kept: [{ section: 'schedules', name: 'old' }, { section: 'escalation_policies', name: 'legacy' }] }, 'oncall.yaml')).toEqual([
      'No changes: tenant T0DEV already matches oncall.yaml (3 unchanged).',
      '',
      'Kept, not in oncall.yaml (--prune would delete them): schedule old, escalation policy legacy.',
    ]);
  });

  it('shows a created object whole, each changed field before → after, and a delete by name', () => {
    const plan: OnCallPlanDto = {
      ...base,
      changes: [
        { section: 'services', name: 'legacy', action: 'delete', before: { escalation_policy: 'std' }, after: null, fields: [] },
        { section: 'schedules', name: 'db', action: 'create', before: null, after: { time_zone: 'UTC', layers: [{ name: 'layer-1', members: ['U0A', 'U0B'], shift: '1d', handoff: '2026-12-07T09:00' }] }, fields: [] },
        {
          section: 'escalation_policies',
          name: 'std',
          action: 'update',
          before: null,
          after: null,
          fields: [
            { path: 'steps[0].escalate_after', before: '5m', after: '10m' },
            { path: 'steps[1]', before: null, after: { targets: [{ schedule: 'db' }], escalate_after: '5m' } },
            { path: 'repeat', before: 1, after: null },
          ],
        },
        { section: 'schedules', name: 'old', action: 'delete', before: null, after: null, fields: [] },
      ],
    };
    expect(formatPlan(plan, 'stdin').join('\n')).toBe(`Plan for tenant T0DEV from stdin: 1 to create, 1 to change, 2 to delete (3 unchanged).

- delete service legacy

+ create schedule db
    time_zone: UTC
    layers:
      - name: layer-1
        members: [U0A, U0B]
        shift: 1d
        handoff: 2026-12-07T09:00

~ change escalation policy std
    steps[0].escalate_after: 5m → 10m
    + steps[1]: {targets: [{schedule: db}], escalate_after: 5m}
    - repeat: 1

- delete schedule old (and its overrides)`);
    expect(formatApplied({ ...plan, dry_run: false, applied: true })).toBe('Applied to tenant T0DEV in one transaction: 1 created, 1 changed, 2 deleted.');
  });
});
