import { performance } from 'node:perf_hooks';
import { step, type BenchContext, type PhaseResult } from '../context';
import { healthy, spawnBenchBackend, spawnBenchGateway, stopServices, type Stack } from '../stack';

/** Restarts the stack's backend, then its gateway, on the database they left (the storm's) → both healthy. */
export async function startupPhase(context: BenchContext, stack: Stack): Promise<PhaseResult> {
  const { options, problems, secrets } = context;
  const runs: number[] = [];
  for (let run = 1; run <= options.rounds; run++) {
    await stopServices(stack);
    const started = performance.now();
    stack.backend = await spawnBenchBackend({ databaseUrl: stack.databaseUrl, twilio: stack.twilio, slack: stack.slack, secrets });
    stack.gateway = await spawnBenchGateway(stack.backend.url, { slack: stack.slack, secrets });
    const seconds = (performance.now() - started) / 1000;
    if (!(await healthy(`${stack.backend.url}/health`)) || !(await healthy(`${stack.gateway.url}/healthz`))) problems.push('startup: a service was not healthy after start');
    runs.push(seconds);
    step(`startup run ${run}/${options.rounds}: both healthy after ${seconds.toFixed(2)} s (backend, then gateway, on the storm's database)`);
  }
  return { figures: { healthy: runs } };
}
