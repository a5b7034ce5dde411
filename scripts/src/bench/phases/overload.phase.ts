import { step, type BenchContext, type PhaseResult } from '../context';
import { outcomeOf } from '../goals';
import { peakRssMb, spawnBareBolt, startStack, waitUntil } from '../stack';
import { ratio } from '../stats';
import { offerCommands } from '../traffic';

/**
 * Commands offered above capacity to a fresh stack → what became of every acked one; peak RSS of the gateway,
 * the backend and a bare Bolt process offered the same. The stack stays up until cleanup.
 */
export async function overloadPhase(context: BenchContext): Promise<PhaseResult> {
  const { options, cleanup, secrets } = context;
  // A fresh stack: its peak memory is this phase's, and no backlog of the storm slows it.
  const stack = await startStack(context, 'overload');
  const bare = await spawnBareBolt(secrets.signingSecret);
  cleanup.add('bare Bolt process', () => bare.stop());
  const offer = { rate: options.overloadRate, durationMs: options.overloadOfferMs };
  const rows: string[][] = [];
  const lostRuns: number[] = [];
  for (let run = 1; run <= options.rounds; run++) {
    const prefix = `o${run}-`;
    const sent = await offerCommands(context, stack, { ...offer, prefix });
    const acked = sent.filter((s) => s.ok);
    // The same offer to the bare Bolt process, for its peak memory.
    await offerCommands(context, stack, { ...offer, prefix: `b${run}-`, gatewayUrl: bare.url });
    const outcomes = () => {
      const texts = new Map<string, string[]>();
      for (const record of stack.slack.responseRecords) {
        if (record.id.startsWith(prefix)) texts.set(record.id, [...(texts.get(record.id) ?? []), String(record.body.text ?? '')]);
      }
      // A command answered in its ack (refused: overloaded or failed; or raised in time) was told at once.
      return acked.map((s) => (s.refusedInAck ? 'toldFailed' : s.raisedInAck ? 'raised' : outcomeOf(texts.get(`${prefix}-${s.sequence}`) ?? [])));
    };
    // Every acked command ends in an alert or a failure message; wait (bounded) for the last of them.
    await waitUntil(() => outcomes().every((o) => o !== 'none'), 30_000, 250);
    const final = outcomes();
    const raised = final.filter((o) => o === 'raised').length;
    const toldFailed = final.filter((o) => o === 'toldFailed').length;
    const refused = acked.filter((s) => s.refusedInAck).length;
    const lost = acked.length - raised - toldFailed;
    lostRuns.push(lost);
    rows.push([String(run), String(sent.length), String(acked.length), String(raised), String(refused), String(toldFailed - refused), String(lost)]);
    step(
      `overload run ${run}/${options.rounds}: ${sent.length} offered at ${options.overloadRate}/s, ${acked.length} acked, ${raised} raised, ` +
        `${refused} told failed in the ack (overloaded, or the backend's answer in time), ${toldFailed - refused} told failed later, ${lost} lost`,
    );
  }
  const gatewayMb = peakRssMb(stack.gateway.child.pid);
  const backendMb = peakRssMb(stack.backend.child.pid);
  const bareMb = peakRssMb(bare.child.pid);
  return {
    figures: { overloadLost: lostRuns, gatewayRss: [ratio(gatewayMb, bareMb)], backendRss: [backendMb] },
    tables: [
      {
        title: `Overload (${options.overloadRate}/s offered for ${options.overloadOfferMs / 1000} s per run; peak RSS over all runs: gateway ${gatewayMb.toFixed(0)} MB, backend ${backendMb.toFixed(0)} MB, bare Bolt ${bareMb.toFixed(0)} MB):`,
        header: ['run', 'offered', 'acked', 'raised', 'told failed in ack', 'told failed later', 'lost silently'],
        rows,
      },
    ],
  };
}
