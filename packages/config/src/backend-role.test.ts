import { BACKEND_USAGE, listenPortOf, parseBackendArgs, withBackendArgs } from './backend-role';
import { ConfigError } from './config-error';
import { loadBackendConfig } from './load';

const backendEnv = { DATABASE_URL: 'postgres://u:p@db:5432/klaxon', INTERNAL_SERVICE_KEYS: 'k'.repeat(32), SLACK_BOT_TOKEN: 'xoxb-1-2-abc' };

function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseBackendArgs', () => {
  it.each([
    [[], { help: false }],
    [['--role', 'worker'], { help: false, role: 'worker' }],
    [['--role=api', '--port', '6000'], { help: false, role: 'api', port: 6000 }],
    [['--role', 'worker', '--instance', '2'], { help: false, role: 'worker', instance: 2 }],
    [['--help'], { help: true }],
  ])('reads %j', (argv, expected) => {
    expect(parseBackendArgs(argv)).toEqual(expected);
  });

  it.each([
    [['--role', 'jobs'], '--role jobs: must be one of api, worker, all'],
    [['--role'], '--role needs a value'],
    [['--port', '0'], '--port 0: must be a whole number from 1 to 65535'],
    [['--instance', 'one'], '--instance one: must be a whole number from 0 to 999'],
    [['--workers'], 'unknown argument --workers: accepted are --role, --port, --instance, --help'],
  ])('refuses %j, naming the flag and what it accepts', (argv, problem) => {
    expect(problemsOf(() => parseBackendArgs(argv))).toEqual([problem]);
  });

  it('documents every flag in the usage text', () => {
    for (const flag of ['--role', '--port', '--instance', '--help', 'api', 'worker', 'all']) expect(BACKEND_USAGE).toContain(flag);
  });
});

describe('the role in the configuration', () => {
  it('is all by default, so npm start runs everything in one process', () => {
    expect(loadBackendConfig(backendEnv).role).toBe('all');
  });

  it('comes from BACKEND_ROLE, and --role wins over it', () => {
    expect(loadBackendConfig({ ...backendEnv, BACKEND_ROLE: 'api' }).role).toBe('api');
    expect(loadBackendConfig(withBackendArgs({ ...backendEnv, BACKEND_ROLE: 'api' }, { help: false, role: 'worker' })).role).toBe('worker');
  });

  it('refuses an unknown BACKEND_ROLE, naming the allowed values', () => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, BACKEND_ROLE: 'jobs' }))).toEqual([expect.stringMatching(/^BACKEND_ROLE: .*one of api, worker, all/)]);
  });
});

describe('listenPortOf', () => {
  it('puts api and all on BACKEND_PORT and each worker past it, unless --port says otherwise', () => {
    expect(listenPortOf({ role: 'all', port: 5002 }, { help: false })).toBe(5002);
    expect(listenPortOf({ role: 'api', port: 5002 }, { help: false })).toBe(5002);
    expect(listenPortOf({ role: 'worker', port: 5002 }, { help: false })).toBe(5003);
    expect(listenPortOf({ role: 'worker', port: 5002 }, { help: false, instance: 1 })).toBe(5004);
    expect(listenPortOf({ role: 'worker', port: 5002 }, { help: false, instance: 1, port: 7000 })).toBe(7000);
  });
});
