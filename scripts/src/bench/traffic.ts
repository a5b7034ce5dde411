import type { FakeTwilio } from '@klaxon/testing';
import { BENCH_TENANTS, PAGED_USER, type BenchContext } from './context';
import type { SentRequest } from './load';
import type { Stack } from './stack';

// What flows through a whole stack in the open-loop phases (e2e, storm, overload): tagged commands in,
// tagged WhatsApp pages out, matched by the tag.

/** Signed `/alert` commands to the stack's gateway at `rate` per second, each tagged `[<prefix><n>]`. */
export async function offerCommands(
  { load, secrets }: Pick<BenchContext, 'load' | 'secrets'>,
  stack: Stack,
  offer: { prefix: string; rate: number; durationMs: number; gatewayUrl?: string },
): Promise<SentRequest[]> {
  const result = await load.run({
    baseUrl: offer.gatewayUrl ?? stack.gateway.url,
    path: '/slack/events',
    connections: 1,
    durationMs: offer.durationMs,
    ratePerSecond: offer.rate,
    recipe: {
      kind: 'slash',
      signingSecret: secrets.signingSecret,
      text: `<@${PAGED_USER}> high checkout is down [{tag}]`,
      responseUrl: `${stack.slack.url}/response/${offer.prefix}`,
      teamIds: BENCH_TENANTS,
      tagPrefix: offer.prefix,
    },
  });
  return result.sent ?? [];
}

/** First successful WhatsApp message per tag, and how many successful ones each tag got. */
export function pagesByTag(twilio: FakeTwilio): Map<string, { firstAtMs: number; count: number }> {
  const pages = new Map<string, { firstAtMs: number; count: number }>();
  for (const message of twilio.messages()) {
    if (message.responseStatus === undefined || message.responseStatus >= 300 || !message.form.To?.startsWith('whatsapp:')) continue;
    const tag = tagOf(message.form.Body);
    if (tag === undefined) continue;
    const seen = pages.get(tag);
    if (seen) seen.count++;
    else pages.set(tag, { firstAtMs: message.receivedAt.getTime(), count: 1 });
  }
  return pages;
}

/** The tag between brackets that a bench command or alert carries into its page. */
function tagOf(body: string | undefined): string | undefined {
  return /\[([^\]\s]+)\]/.exec(body ?? '')?.[1];
}
