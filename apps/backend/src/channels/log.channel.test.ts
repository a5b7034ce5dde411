import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { messageAlertFixture, outboundMessageFixture } from '../../test/message-fixture';
import type { OutboundMessage } from './channel';
import { LogChannel } from './log.channel';

const message = (to: string): OutboundMessage => outboundMessageFixture(to);

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
  return { lines, logger: createLogger({ service: 'backend', format: 'json', stream }) };
}

describe('LogChannel', () => {
  it.each([
    { channel: 'sms', label: 'SMS', role: 'message', address: 'phone', to: '+14155550123', shown: '+1 ******0123' },
    { channel: 'email', label: 'email', role: 'mail', address: 'email', to: 'jane.doe@example.com', shown: 'j***@example.com' },
    { channel: 'slack', label: 'Slack', role: 'room', address: 'slack_channel', to: 'C0123ABCD', shown: 'C0123ABCD' },
  ] as const)('stands in for $channel: logs the rendered message to the masked address at warn', async ({ channel, label, role, address, to, shown }) => {
    const { lines, logger } = capture();
    const sender = new LogChannel({ channel, label, role, address, logger, render: (m) => `#${m.alert.number} ${m.alert.message}` });

    const { providerMessageId } = await sender.send(message(to));

    expect(sender).toMatchObject({ channel, label, role, address, provider: 'log', capabilities: { statusCallbacks: false, replies: false } });
    expect(providerMessageId).toMatch(/^log-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', message: `would send ${channel} to ${shown}: #42 checkout is down`, provider: 'log', channel, alertId: messageAlertFixture().id, alertNumber: 42, providerMessageId }),
    ]);
  });

  it('gives every message its own id', async () => {
    const sender = new LogChannel({ channel: 'voice', label: 'call', role: 'call', address: 'phone', logger: capture().logger, render: () => 'x' });
    const [a, b] = await Promise.all([sender.send(message('+14155550123')), sender.send(message('+14155550123'))]);
    expect(a?.providerMessageId).not.toBe(b?.providerMessageId);
  });
});
