import fs from 'node:fs';
import path from 'node:path';
import { drainBoundMs } from './app';

const root = path.resolve(__dirname, '../../..');
const seconds = (pattern: RegExp, file: string): number => Number(pattern.exec(fs.readFileSync(path.join(root, file), 'utf8'))?.[1]);

describe('stopping the gateway', () => {
  it('is given longer by supervisord than its drain takes, and Docker waits for every program', () => {
    const gateway = seconds(/\[program:gateway\][^[]*?\nstopwaitsecs=(\d+)/, 'supervisord.conf');
    const api = seconds(/\[program:api\][^[]*?\nstopwaitsecs=(\d+)/, 'supervisord.conf');
    const worker = seconds(/\[program:worker\][^[]*?\nstopwaitsecs=(\d+)/, 'supervisord.conf');
    const grace = seconds(/stop_grace_period: (\d+)s/, 'docker-compose.yml');
    expect(drainBoundMs()).toBe(16_000);
    expect(gateway * 1000).toBeGreaterThan(drainBoundMs());
    // supervisord stops them one group after another: the gateway, the API, the workers.
    expect(grace).toBeGreaterThan(gateway + api + worker);
  });
});
