import { parseArgs } from 'node:util';
import { messageOf } from './context';

export const HELP = `npm run bench [-- options] — the whole picture of Klaxon's throughput on this machine, beside the goals.

  1. oncall     who is on call for one schedule (3 layers of 20 members, 50 overrides) and the shifts of a 90-day
                window, in process against the built schedule module: lookups/s and ms
     calendar   the 90-day calendar feed of that schedule rendered (compile, shifts, ical-generator's text), in
                process against the built modules: ms per feed
     heartbeats 1,000 services with a heartbeat every 10 s (100 pings/s over HTTP) on one backend in this process:
                CPU (this process and its PostgreSQL sessions) over the idle backend, then every heartbeat missed:
                how late after its deadline each alert was raised
  2. raise      backend POST /alert (paging planned: deliveries and jobs) vs the database floor, a bare
                INSERT + graphile_worker.add_job transaction of the same shape; 8 tenants and 1 tenant
     pipeline   raise AND page, the built backend with its worker vs the pipeline's own floor (one statement
                + add_job, a task that claims, sends through a no-op and records), servers and PostgreSQL pinned
                to CPU 1, load to CPU 0: alerts/s, Node and PostgreSQL CPU ms per alert from /proc, rows per alert
     service    backend POST /alert {service} (who is on call worked out, the policy copied onto the alert) vs
                POST /alert naming that person, in the same run; 8 tenants
     limits     POST /alert with the per-user, per-tenant and global limits counted in process memory (before),
                in rate-limiter-flexible's PostgreSQL store, and in the raise's own statement (kept); 8 tenants
     priority   the built backend sending a backlog of 5,000 queued medium pages: a critical alert raised then
                → the fake Twilio receiving its WhatsApp request
  3. gateway    createGateway /alert, commands wholly handled (acked, forwarded to a stub backend, author told
                "raised") vs a bare Bolt app that only acks
  4. e2e        the built gateway and backend in their own processes: signed /alert commands offered at a fixed
                rate (open loop: 10, 100, 300/s) → the fake Twilio receiving each WhatsApp page, p50/p99
  5. storm      10,000 alerts through POST /alert as fast as it takes them → every first page at the fake Twilio;
                duplicate sends
  6. roles      the backend in roles: one api process and 1, then 2, worker processes (each on a fresh database);
                10,000 alerts (the storm's) through the api → first and last page at the fake Twilio, duplicates, CPU per alert of
                the api, the workers and PostgreSQL (from /proc), 2 workers ÷ 1
  7. overload   commands offered above capacity → acked, raised, refused in the ack, told failed later, silently
                lost; peak RSS of the gateway, the backend and a bare Bolt process under the same offer
  8. startup    backend and gateway started on the existing database → both healthy

  Each figure is the median of three runs (the storm, with 10,000 alerts, runs once: see the table) and each
  ratio compares two things measured in the same run. Every request is real (slash commands signed as Slack
  signs them, rows committed to PostgreSQL: DATABASE_URL's server when set, else an embedded one; always fresh
  klaxon_bench_* databases, dropped afterwards), on 127.0.0.1 only, bounded in count and time. Timing never
  fails the bench: it exits non-zero only when something is broken (failed requests in the closed-loop
  phases, wrong rows, a phase that could not run). Writes bench/results.json.

  Options:
    --quick                 ≈2 minutes instead of ≈9 (short rounds, 1,000-alert storms: coarse figures, a smoke test)
    --connections <n>       concurrent keep-alive clients against the gateways (default 32)
    --db-connections <n>    concurrent clients against the backend and the floor (default 16)
    --only <phases>         run only these phases, comma-separated: oncall, calendar, heartbeats, raise, pipeline, service, limits, priority, gateway, stack (e2e,
                            storm and startup), roles, overload; the figures are printed but bench/results.json is left alone
    -h, --help              this text`;

/**
 * What --only can name, in the order a run takes them. The on-call lookups and the calendar feed go first: they are pure CPU in
 * this process, and later phases leave services behind (the overload stack lives until cleanup) that would
 * share the two cores with them. e2e, storm and startup are one choice, "stack": the storm needs a stack
 * the end-to-end runs did not saturate, and startup restarts the storm's.
 */
export const PHASES = ['oncall', 'calendar', 'heartbeats', 'raise', 'pipeline', 'service', 'limits', 'priority', 'gateway', 'stack', 'roles', 'overload'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  quick: boolean;
  /** The phases to run; all of them unless --only names some. */
  phases: ReadonlySet<Phase>;
  rounds: number;
  roundMs: number;
  warmupMs: number;
  connections: number;
  dbConnections: number;
  /** How long each end-to-end run offers commands. */
  e2eOfferMs: number;
  /** After the last command of a run, how long its pages may take before the missing ones count as not arrived. */
  e2eDrainMs: number;
  stormAlerts: number;
  /** The roles phase's storm, per configuration (two of them): smaller than the storm, to fit a couple of minutes. */
  rolesAlerts: number;
  /** How long the storm's pages may take to arrive. */
  stormDeadlineMs: number;
  overloadRate: number;
  overloadOfferMs: number;
}

/** The options of this run, or null when --help was asked for (and printed). */
export function readOptions(args: string[] = process.argv.slice(2)): BenchOptions | null {
  const { values } = parseFlags(args);
  if (values.help) {
    console.log(HELP);
    return null;
  }
  const quick = values.quick;
  // Quick rounds are short enough to be noisy; they exist to show the bench still works end to end.
  // The keys' order is bench/results.json's "settings" order: keep it.
  return {
    quick,
    phases: phaseList(values.only),
    rounds: 3,
    roundMs: quick ? 400 : 2000,
    warmupMs: quick ? 250 : 1000,
    connections: clientCount('--connections', values.connections),
    dbConnections: clientCount('--db-connections', values['db-connections']),
    e2eOfferMs: quick ? 1000 : 2000,
    e2eDrainMs: 5000,
    stormAlerts: quick ? 1000 : 10_000,
    rolesAlerts: quick ? 1000 : 10_000,
    stormDeadlineMs: quick ? 20_000 : 60_000,
    overloadRate: 400,
    overloadOfferMs: quick ? 1000 : 2000,
  };
}

function phaseList(value: string | undefined): ReadonlySet<Phase> {
  if (value === undefined) return new Set(PHASES);
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes phases from ${PHASES.join(', ')} (got "${value}"; see --help)`);
  }
  return new Set(names as Phase[]);
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        quick: { type: 'boolean', default: false },
        connections: { type: 'string', default: '32' },
        'db-connections': { type: 'string', default: '16' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new Error(`${messageOf(error)} (see --help)`, { cause: error });
  }
}

function clientCount(flag: string, value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 256) throw new Error(`${flag} must be a whole number from 1 to 256 (got "${value}"; see --help)`);
  return count;
}
