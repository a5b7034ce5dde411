import http from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { SLACK_INLINE_ANSWER_DEFAULT_MS } from '@klaxon/config';
import { createLogger } from '@klaxon/logger';
import { loadBuiltApp, type GatewayAppModule, type GatewayBackendClientModule } from '../apps';
import { serve, type Cleanup } from '../cleanup';
import { measure, roundRatios, type Target } from '../closed-loop';
import { BENCH_SLACK, PAGED_USER, step, type BenchContext, type PhaseResult } from '../context';
import type { LoadSpec } from '../load';
import type { StackSecrets } from '../stack';
import { Stubs } from '../stubs';

const COMMAND_TEXT = `<@${PAGED_USER}> high checkout is down (bench)`;

/**
 * createGateway in this process, commands wholly handled against a stub backend, vs a bare Bolt app that only
 * acks; with the outcome in the ack (the default) and with every outcome posted to response_url (before).
 */
export async function gatewayPhase(context: BenchContext): Promise<PhaseResult> {
  const { options, cleanup, problems, secrets } = context;
  step('gateway: starting the stub backend and response_url server, the bare Bolt app and createGateway');
  const stubs = new Stubs();
  cleanup.add('stub servers', () => stubs.close());
  const { backendUrl } = await stubs.counts();
  // The bare app never posts an outcome, and the gateway's go to the load worker's own server (awaitOutcome).
  const responseUrl = 'http://127.0.0.1:9/never-posted';
  const bareUrl = await serve(ackOnlyApp(secrets), cleanup, 'bare Bolt app');
  const gatewayUrl = await serve(await realGateway(backendUrl, secrets, cleanup, SLACK_INLINE_ANSWER_DEFAULT_MS), cleanup, 'createGateway');
  // The same gateway acking "⏳" at once and posting every outcome to response_url: the path before the
  // outcome moved into the ack, and still the path of answers slower than SLACK_INLINE_ANSWER_MS.
  const laterUrl = await serve(await realGateway(backendUrl, secrets, cleanup, 0), cleanup, 'createGateway, answers on response_url');

  const slash = (baseUrl: string, awaitOutcome: boolean): Omit<LoadSpec, 'durationMs'> => ({
    baseUrl,
    path: '/slack/events',
    connections: options.connections,
    recipe: { kind: 'slash', signingSecret: secrets.signingSecret, text: COMMAND_TEXT, responseUrl, awaitOutcome },
  });
  // The gateway's figure counts commands wholly handled (acked, forwarded once, the author told "raised"),
  // not acks: an ack alone could be a fast "overloaded" refusal, and the real work happens after it.
  const targets: Target[] = [
    { id: 'gateway.bare', name: 'bare Bolt', label: 'bare Bolt (HTTPReceiver), ack-only /alert', spec: slash(bareUrl, false) },
    {
      id: 'gateway.full',
      name: 'createGateway',
      label: 'createGateway /alert (forward, told raised in the ack)',
      baseline: 'gateway.bare',
      spec: slash(gatewayUrl, true),
    },
    {
      id: 'gateway.later',
      name: 'createGateway, SLACK_INLINE_ANSWER_MS=0',
      label: 'createGateway /alert (⏳ ack, forward, told at response_url)',
      baseline: 'gateway.bare',
      spec: slash(laterUrl, true),
    },
  ];
  const measured = await measure('gateway', targets, context);
  // Once, at the end: every command reported raised was forwarded exactly once.
  const raised = measured.filter((m) => m.target.id !== 'gateway.bare').reduce((sum, m) => sum + m.rounds.reduce((total, round) => total + round.ok, 0), 0);
  const { forwards } = await stubs.counts();
  if (forwards < raised) problems.push(`createGateway: ${raised} commands were reported raised but only ${forwards} forwards reached the backend`);
  return { figures: { gateway: roundRatios(measured, 'gateway.full') }, closedLoop: measured };
}

/** The gateway's baseline: the same command listener on Bolt's HTTPReceiver, nothing else. */
function ackOnlyApp(secrets: StackSecrets): http.Server {
  const receiver = new HTTPReceiver({ signingSecret: secrets.signingSecret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({
    receiver,
    token: secrets.botToken,
    botId: BENCH_SLACK.botId,
    botUserId: BENCH_SLACK.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: BENCH_SLACK.apiUrl },
  });
  app.command('/alert', async ({ ack }) => {
    await ack();
  });
  // What the receiver's own start() would serve, but on a loopback port of our choosing.
  return http.createServer(receiver.requestListener);
}

async function realGateway(backendUrl: string, secrets: StackSecrets, cleanup: Cleanup, inlineAnswerMs: number): Promise<http.Server> {
  const { createGateway } = loadBuiltApp<GatewayAppModule>('gateway/dist/app.js');
  const { BackendClient } = loadBuiltApp<GatewayBackendClientModule>('gateway/dist/backend-client.js');
  // Level error: a bench that logs every alert would measure the terminal.
  const logger = createLogger({ service: 'gateway', level: 'error', format: 'json' });
  const backend = new BackendClient({ baseUrl: backendUrl, serviceKey: secrets.serviceKey, timeoutMs: 5000, logger });
  cleanup.add('gateway backend client', async () => backend.close());
  const slack = { signingSecret: secrets.signingSecret, botToken: secrets.botToken, ...BENCH_SLACK };
  const { server } = await createGateway({ config: { slack }, logger, backend, inlineAnswerMs });
  return server;
}
