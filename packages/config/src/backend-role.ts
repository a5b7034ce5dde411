import { ConfigError } from './config-error';

/**
 * One backend program, three ways to run it. `api` serves HTTP and raises (the alert, its deliveries and
 * their jobs commit together as always) but runs no jobs; `worker` runs the jobs and the periodic work and
 * serves only /health and /metrics; `all` is both in one process (the default: `npm start`).
 */
export const BACKEND_ROLES = ['api', 'worker', 'all'] as const;
export type BackendRole = (typeof BACKEND_ROLES)[number];

/** The backend's command line; every flag also has its variable, and a flag wins over it. */
export interface BackendArgs {
  help: boolean;
  /** `--role`: BACKEND_ROLE. */
  role?: BackendRole;
  /** `--port`: where this process listens, whatever its role. */
  port?: number;
  /** `--instance`: the worker's number on this host (supervisord's process_num), which picks its port. */
  instance?: number;
}

export const BACKEND_USAGE = `usage: node apps/backend/dist/main.js [--role api|worker|all] [--port N] [--instance N]

  --role      api: the HTTP API and raises, no jobs; worker: jobs (pages, escalations, Slack posts,
              hand-off notices) and sweeps, serving only /health and /metrics; all: both (default).
              Same as BACKEND_ROLE; the flag wins.
  --port      where this process listens. Default: BACKEND_PORT for api and all,
              BACKEND_PORT + 1 + instance for a worker (5003, 5004, … by default).
  --instance  a worker's number on this host, from 0 (supervisord passes its process_num).
  --help      this text.`;

const FLAGS = ['role', 'port', 'instance'] as const;

/** Parses the flags (`--role worker` or `--role=worker`); throws a ConfigError naming each bad one and what it accepts. */
export function parseBackendArgs(argv: readonly string[]): BackendArgs {
  const args: BackendArgs = { help: false };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    const flag = FLAGS.find((name) => name === match?.[1]);
    if (!match || !flag) {
      problems.push(`unknown argument ${arg}: accepted are --role, --port, --instance, --help`);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '') {
      problems.push(`--${flag} needs a value`);
      continue;
    }
    if (flag === 'role') {
      const role = BACKEND_ROLES.find((name) => name === value);
      if (role) args.role = role;
      else problems.push(`--role ${value}: must be one of ${BACKEND_ROLES.join(', ')}`);
    } else {
      const number = /^\d+$/.test(value) ? Number(value) : NaN;
      const [min, max] = flag === 'port' ? [1, 65_535] : [0, 999];
      if (Number.isInteger(number) && number >= min && number <= max) args[flag] = number;
      else problems.push(`--${flag} ${value}: must be a whole number from ${min} to ${max}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return args;
}

/** The environment with the flags that stand for variables applied, so one validation reads both. */
export function withBackendArgs(env: Readonly<Record<string, string | undefined>>, args: BackendArgs): Record<string, string | undefined> {
  return args.role ? { ...env, BACKEND_ROLE: args.role } : { ...env };
}

/** Where the process listens: `--port`, else BACKEND_PORT, shifted past it for a worker so api and workers share a host. */
export function listenPortOf({ role, port }: { role: BackendRole; port: number }, args: BackendArgs): number {
  if (args.port !== undefined) return args.port;
  return role === 'worker' ? port + 1 + (args.instance ?? 0) : port;
}

/**
 * What a process does, as its /health says: `api` the HTTP API and raises; `jobs` the job runner (pages,
 * retries, escalations, Slack posts, PagerDuty, hand-off notices); `sweeps` putting lost deliveries back on
 * track; `handoff-planning` queueing the hand-off notices due soon; `heartbeat-checks` raising the alerts of
 * heartbeats past their deadline.
 */
export const BACKEND_DUTIES = ['api', 'jobs', 'sweeps', 'handoff-planning', 'heartbeat-checks'] as const;
export type BackendDuty = (typeof BACKEND_DUTIES)[number];

export function dutiesOf(role: BackendRole): readonly BackendDuty[] {
  switch (role) {
    case 'api':
      return ['api'];
    case 'worker':
      return ['jobs', 'sweeps', 'handoff-planning', 'heartbeat-checks'];
    case 'all':
      return BACKEND_DUTIES;
  }
}
