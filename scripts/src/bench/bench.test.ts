import type * as GatewayApp from '../../../apps/gateway/src/app';
import type * as GatewayBackendClient from '../../../apps/gateway/src/backend-client';
import type * as Backend from '../../../apps/backend/src/backend';
import type * as BackendMigrate from '../../../apps/backend/src/db/migrate';
import type * as BackendErrors from '../../../apps/backend/src/common/errors';
import type * as BackendDeliveryRepository from '../../../apps/backend/src/notify/delivery.repository';
import type * as BackendJobQueue from '../../../apps/backend/src/jobs/job-queue';
import type * as BackendDeliveryQueue from '../../../apps/backend/src/notify/delivery-queue';
import type {
  BackendDeliveryRepositoryModule,
  BackendErrorsModule,
  BackendJobQueueModule,
  BackendMigrateModule,
  BackendDeliveryQueueModule,
  BackendModule,
  GatewayAppModule,
  GatewayBackendClientModule,
} from './apps';
import { judge, meets, missed, outcomeOf, percentileWithMissing } from './goals';
import { PHASES, readOptions } from './options';
import { formatTable, median, percentile, ratio } from './stats';

// This file is outside the scripts build (it excludes tests) but inside `npm run typecheck`, which sees
// the apps' sources: when an app changes what the bench calls, the typecheck fails here, not mid-bench.
type Fits<Actual extends Expected, Expected> = [Actual, Expected];
export type BenchViewOfTheApps = [
  Fits<typeof GatewayApp, GatewayAppModule>,
  Fits<typeof GatewayBackendClient, GatewayBackendClientModule>,
  Fits<typeof Backend, BackendModule>,
  Fits<typeof BackendMigrate, BackendMigrateModule>,
  Fits<typeof BackendErrors, BackendErrorsModule>,
  Fits<typeof BackendDeliveryRepository, BackendDeliveryRepositoryModule>,
  Fits<typeof BackendDeliveryQueue, BackendDeliveryQueueModule>,
  Fits<typeof BackendJobQueue, BackendJobQueueModule>,
];

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('takes the median of unsorted rounds', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('never divides by a missing baseline', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(10, 0)).toBeNaN();
  });

  it('aligns numbers right and text left', () => {
    expect(formatTable(['name', 'req/s'], [['a', '5'], ['bb', '1,234']])).toBe(['name  req/s', '----  -----', 'a         5', 'bb    1,234'].join('\n'));
  });
});

describe('bench goals', () => {
  it('judges a figure against its goal either way, and a missing figure as not measured', () => {
    expect(meets({ comparison: 'atLeast', target: 0.5 }, 0.5)).toBe(true);
    expect(meets({ comparison: 'atLeast', target: 0.5 }, 0.49)).toBe(false);
    expect(meets({ comparison: 'atMost', target: 0 }, 0)).toBe(true);
    expect(meets({ comparison: 'atMost', target: 100 }, Number.POSITIVE_INFINITY)).toBe(false);
    expect(meets({ comparison: 'atMost', target: 100 }, Number.NaN)).toBeNull();
  });

  it('takes the median of the runs, counts "never" as the worst run, and names every goal missed', () => {
    const verdicts = judge(
      new Map([
        ['raise8', [0.4, 0.6, 0.7]],
        ['e2e100', [80, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]],
        ['overloadLost', [0, 0, 0]],
        ['healthy', [1, Number.NaN, 1]],
      ]),
    );
    const byId = new Map(verdicts.map((v) => [v.id, v]));
    expect(byId.get('raise8')).toMatchObject({ value: 0.6, met: true });
    expect(byId.get('e2e100')).toMatchObject({ value: Number.POSITIVE_INFINITY, met: false });
    expect(byId.get('overloadLost')).toMatchObject({ value: 0, met: true });
    expect(byId.get('healthy')).toMatchObject({ met: null });
    expect(byId.get('stormTime')).toMatchObject({ runs: [], met: null });
    expect(missed(verdicts)).toContain('end to end p99 at 100/s offered (ms) (goal ≤ 100 ms)');
    expect(missed(verdicts)).toContain('start to both healthy, existing data (s) (not measured)');
    expect(missed(verdicts)).not.toContain(expect.stringMatching(/^raise ÷ database floor, 8/));
  });

  it('ranks pages that never arrived above every latency', () => {
    expect(percentileWithMissing([10, 20, 30, 40], 0, 50)).toBe(20);
    expect(percentileWithMissing([10, 20, 30, 40], 1, 50)).toBe(30);
    expect(percentileWithMissing([10, 20, 30, 40], 1, 99)).toBe(Number.POSITIVE_INFINITY);
    expect(percentileWithMissing([], 0, 99)).toBeNaN();
  });

  it('reads what became of a command from its response_url posts', () => {
    expect(outcomeOf(['🚨 #4 paging <@U1> (WhatsApp)'])).toBe('raised');
    expect(outcomeOf(['❌ Nothing was paged: the backend is down.'])).toBe('toldFailed');
    expect(outcomeOf(['⏳ Nothing was paged: too many alerts.'])).toBe('toldFailed');
    expect(outcomeOf(['⏳ Raising an alert for <@U1>…'])).toBe('none');
    expect(outcomeOf([])).toBe('none');
  });

  it('sorts "never" runs last in a median', () => {
    expect(median([Number.POSITIVE_INFINITY, 5, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(median([Number.POSITIVE_INFINITY, 5, 7])).toBe(7);
  });
});

describe('bench options', () => {
  it('runs every phase by default and only the named ones with --only, oncall included', () => {
    expect(readOptions([])?.phases).toEqual(new Set(PHASES));
    expect([...(readOptions(['--quick', '--only', 'oncall, raise'])?.phases ?? [])]).toEqual(['oncall', 'raise']);
  });

  it('refuses a phase it cannot run alone: e2e, storm and startup share one stack, "stack"', () => {
    expect(() => readOptions(['--only', 'e2e'])).toThrow('--only takes phases from oncall, calendar, heartbeats, raise, pipeline, service, limits, priority, gateway, stack, roles, overload');
    expect(() => readOptions(['--connections', '0'])).toThrow('--connections must be a whole number from 1 to 256');
  });
});
