import type * as GatewayApp from '../../../apps/gateway/src/app';
import type * as GatewayBackendClient from '../../../apps/gateway/src/backend-client';
import type * as Backend from '../../../apps/backend/src/backend';
import type * as BackendMigrate from '../../../apps/backend/src/db/migrate';
import type {
  BackendMigrateModule,
  BackendModule,
  GatewayAppModule,
  GatewayBackendClientModule,
} from './apps';
import { formatTable, median, percentile, ratio } from './stats';

// This file is outside the scripts build (it excludes tests) but inside `npm run typecheck`, which sees
// the apps' sources: when an app changes what the bench calls, the typecheck fails here, not mid-bench.
type Fits<Actual extends Expected, Expected> = [Actual, Expected];
export type BenchViewOfTheApps = [
  Fits<typeof GatewayApp, GatewayAppModule>,
  Fits<typeof GatewayBackendClient, GatewayBackendClientModule>,
  Fits<typeof Backend, BackendModule>,
  Fits<typeof BackendMigrate, BackendMigrateModule>,
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
