import { step, type BenchContext, type PhaseResult } from '../context';
import { percentileWithMissing } from '../goals';
import { requestTag } from '../load';
import { waitUntil, type Stack } from '../stack';
import { formatLatency, median } from '../stats';
import { offerCommands, pagesByTag } from '../traffic';

const E2E_RATES = [10, 100, 300] as const;

interface E2eRun {
  offered: number;
  acked: number;
  paged: number;
  p50: number;
  p99: number;
}

/** Signed commands offered to the stack's gateway at fixed rates (open loop) → each WhatsApp page at the fake Twilio. */
export async function endToEndPhase(context: BenchContext, stack: Stack): Promise<PhaseResult> {
  const { options } = context;
  const rows: string[][] = [];
  let runsAt100: number[] = [];
  // One command first: Slack is asked for the number once, then the contacts table answers.
  await offerCommands(context, stack, { prefix: 'warm', rate: 5, durationMs: 1000 });
  for (const rate of E2E_RATES) {
    const runs: E2eRun[] = [];
    for (let run = 1; run <= options.rounds; run++) {
      const result = await offerRun(context, stack, rate, `e${rate}r${run}-`);
      runs.push(result);
      step(`e2e ${rate}/s run ${run}/${options.rounds}: ${result.paged} of ${result.offered} paged within the run, p50 ${formatLatency(result.p50)}, p99 ${formatLatency(result.p99)}`);
    }
    if (rate === 100) runsAt100 = runs.map((r) => r.p99);
    rows.push([
      `${rate}/s`,
      String(median(runs.map((r) => r.offered))),
      String(median(runs.map((r) => r.acked))),
      String(median(runs.map((r) => r.paged))),
      formatLatency(median(runs.map((r) => r.p50))),
      formatLatency(median(runs.map((r) => r.p99))),
      runs.map((r) => formatLatency(r.p99)).join(' '),
    ]);
  }
  return {
    figures: { e2e100: runsAt100 },
    tables: [
      {
        title: `End to end, open loop (signed command sent → WhatsApp request at the fake Twilio; ${options.e2eOfferMs / 1000} s offered per run, a page not there ${options.e2eDrainMs / 1000} s after the last command counts as never):`,
        header: ['offered rate', 'commands', 'acked', 'paged', 'p50', 'p99', 'runs (p99)'],
        rows,
      },
    ],
  };
}

/** One run: commands at `rate` for the offer time, then a bounded wait for their pages; latencies by tag. */
async function offerRun(context: BenchContext, stack: Stack, rate: number, prefix: string): Promise<E2eRun> {
  const { options } = context;
  // Bounded: past saturation (300/s) the backlog outlives any sensible wait, and the next run says so.
  await drainQueue(stack, 10_000);
  const sent = await offerCommands(context, stack, { prefix, rate, durationMs: options.e2eOfferMs });
  const lastSentAt = Math.max(...sent.map((s) => s.sentAtMs));
  const acked = sent.filter((s) => s.ok);
  const arrived = () => pagesByTag(stack.twilio);
  await waitUntil(() => acked.every((s) => arrived().has(requestTag(prefix, s.sequence))), lastSentAt + options.e2eDrainMs - Date.now(), 100);
  const pages = arrived();
  const latencies: number[] = [];
  for (const s of sent) {
    const page = pages.get(requestTag(prefix, s.sequence));
    if (s.ok && page) latencies.push(page.firstAtMs - s.sentAtMs);
  }
  return {
    offered: sent.length,
    acked: acked.length,
    paged: latencies.length,
    p50: percentileWithMissing(latencies, sent.length - latencies.length, 50),
    p99: percentileWithMissing(latencies, sent.length - latencies.length, 99),
  };
}

/** Waits (bounded) until no page is waiting to be sent, so one run's backlog does not slow the next one. */
async function drainQueue(stack: Stack, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => {
    const { rows } = await stack.pool.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM deliveries WHERE status IN ('queued', 'sending')");
    return rows[0]?.waiting === 0;
  }, timeoutMs, 200);
}
