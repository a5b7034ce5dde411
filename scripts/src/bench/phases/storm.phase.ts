import { BENCH_TENANTS, PAGED_USER, step, type BenchContext, type PhaseResult } from '../context';
import { waitUntil, type Stack } from '../stack';
import { pagesByTag } from '../traffic';

/** Many alerts through the stack's POST /alert as fast as it takes them → every first page, and duplicates. */
export async function stormPhase(context: BenchContext, stack: Stack): Promise<PhaseResult> {
  const { options, load, problems, secrets } = context;
  step(`storm: ${options.stormAlerts.toLocaleString('en-US')} alerts through POST /alert, ${options.dbConnections} clients, ${options.stormDeadlineMs / 1000} s at most`);
  const started = Date.now();
  const result = await load.run({
    baseUrl: stack.backend.url,
    path: '/alert',
    connections: options.dbConnections,
    durationMs: options.stormDeadlineMs,
    maxRequests: options.stormAlerts,
    recipe: { kind: 'alert', serviceKey: secrets.serviceKey, tenantIds: BENCH_TENANTS, slackUserId: PAGED_USER, tagPrefix: 'storm-' },
  });
  const acceptedS = (Date.now() - started) / 1000;
  if (result.failed > 0) problems.push(`storm: ${result.failed} raises failed, e.g. ${result.failures.join(' | ')}`);
  await waitUntil(() => pagesByTag(stack.twilio).size >= result.ok, started + options.stormDeadlineMs - Date.now(), 250);
  const pages = pagesByTag(stack.twilio);
  const lastFirstPage = Math.max(...[...pages.values()].map((p) => p.firstAtMs));
  const complete = pages.size >= result.ok;
  const seconds = complete ? (lastFirstPage - started) / 1000 : Number.POSITIVE_INFINITY;
  const duplicates = [...pages.values()].reduce((sum, page) => sum + page.count - 1, 0);
  step(`storm: ${result.ok} accepted in ${acceptedS.toFixed(1)} s; ${pages.size} first pages at the fake Twilio ${complete ? `after ${seconds.toFixed(1)} s` : `within the ${options.stormDeadlineMs / 1000} s bound`}; ${duplicates} duplicates`);
  return {
    figures: { stormTime: [seconds], stormDuplicates: [duplicates] },
    tables: [
      {
        title: `Storm (one run, bounded to ${options.stormDeadlineMs / 1000} s from the first raise: ten thousand alerts take minutes here, so it is not repeated):`,
        header: ['alerts accepted', 'raising took', 'first pages', 'all paged after', 'duplicates'],
        rows: [[String(result.ok), `${acceptedS.toFixed(1)} s`, String(pages.size), complete ? `${seconds.toFixed(1)} s` : `not within ${options.stormDeadlineMs / 1000} s`, String(duplicates)]],
      },
    ],
  };
}
