import http from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

// The gateway's baseline as a process: Bolt's HTTPReceiver with an /alert listener that only acks, so the
// bench can compare the gateway's peak memory under the same overload with what Bolt itself needs.
const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
const port = Number(process.env.BARE_BOLT_PORT);
const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
const app = new App({
  receiver,
  token: 'xoxb-klaxon-bench',
  botId: 'B0BENCH',
  botUserId: 'U0BENCHBOT',
  logLevel: LogLevel.ERROR,
  // A closed loopback port: nothing here can reach Slack even by mistake.
  clientOptions: { slackApiUrl: 'http://127.0.0.1:9/api/' },
});
app.command('/alert', async ({ ack }) => {
  await ack();
});
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  receiver.requestListener(req, res);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
