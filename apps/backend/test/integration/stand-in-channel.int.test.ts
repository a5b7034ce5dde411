import request from 'supertest';
import type { AlertEventsDto, ContactDto } from '@klaxon/contracts';
import { offersReplies, type ChannelSender, type OutboundMessage, type SendResult } from '../../src/channels/channel';
import type { ChannelRegistration } from '../../src/channels/channel-registry';
import { pageText } from '../../src/channels/page-text';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// Adding a channel is one module and one registration line (docs/architecture.md, "Adding a channel"). This file is
// the module of a channel Klaxon does not ship, a pager, and `overrides.channels` is its line in backend.ts's
// ChannelRegistry.of(…). Nothing else is touched: the policy picks it by its role, contacts may accept it because the
// registry holds it, the database stores its name, and every answer shows it by its label.

/** A pager: a written page to the person's phone number, through a provider of its own that answers nothing back. */
class PagerChannel implements ChannelSender {
  readonly channel = 'pager';
  readonly label = 'Pager';
  readonly role = 'message';
  readonly address = 'phone';
  readonly provider = 'pager-net';
  readonly capabilities = { statusCallbacks: false, replies: false };
  /** What the pager network was asked to send. */
  readonly sent: Array<{ to: string; text: string }> = [];

  async send(message: OutboundMessage): Promise<SendResult> {
    this.sent.push({ to: message.to, text: pageText(message.alert, { replies: offersReplies(this, message) }) });
    return { providerMessageId: `PG-${this.sent.length}` };
  }
}

/** The provider room's registration, as twilioChannels or emailChannels are. */
const pagerChannels = (pager: PagerChannel): ChannelRegistration => ({ senders: [pager] });

const TENANT = 'T-PAGER';
const pager = new PagerChannel();
let paging: PagingHarness;

beforeAll(async () => {
  paging = await startPagingHarness({ overrides: { channels: [pagerChannels(pager)] } });
});
afterAll(() => paging.close());

const putContact = (slackUserId: string, body: object) => request(paging.app).put(`/contacts/${TENANT}/${slackUserId}`).set('x-service-key', SERVICE_KEY).send(body);

describe('a channel registered with nothing else touched', () => {
  it('is one a contact may accept; the 422 for an unknown one lists it among the channels this backend knows', async () => {
    const saved = await putContact('U0PAGER', { phone: '+14155550177', channels: ['pager', 'voice'] }).expect(200);
    expect(saved.body).toMatchObject({ channels: ['pager', 'voice'], channel_labels: expect.objectContaining({ pager: 'Pager', voice: 'call' }) } satisfies Partial<ContactDto>);

    const refused = await putContact('U0PAGER', { channels: ['pigeon'] }).expect(422);
    expect(refused.body).toEqual({ error: 'invalid_field', detail: 'channels[0]: not a channel this backend pages people on; it knows whatsapp, sms, voice, email, pager' });
  });

  it('pages a critical alert on it as the `message` (with the call), says so by its label, and records it', async () => {
    const alert = await paging.raise({ tenant_id: TENANT, severity: 'critical', message: 'core router down', targets: [{ slack_user_id: 'U0PAGER' }], slack: { channel_id: 'C0PAGER', user_id: 'U0CALLER' } });
    expect(alert.targets).toMatchObject([{ slack_user_id: 'U0PAGER', status: 'paging', channels: ['pager', 'voice'] }]);
    expect(alert.channel_labels).toMatchObject({ pager: 'Pager', voice: 'call' });

    const deliveries = await paging.eventually(
      () => paging.deliveries(alert.id),
      (all) => all.length === 2 && all.every((d) => d.status === 'sent'),
    );
    const byChannel = Object.fromEntries(deliveries.map((d) => [d.channel, d]));
    expect(byChannel.pager).toMatchObject({ address: '+14155550177', providerMessageId: 'PG-1', round: 0 });
    expect(byChannel.voice).toMatchObject({ address: '+14155550177', providerMessageId: expect.stringMatching(/^CA/) });
    // It declares no replies, so its page points to Slack rather than inviting an answer it could not carry back.
    expect(pager.sent).toEqual([{ to: '+14155550177', text: `🚨 Klaxon #${alert.number} CRITICAL: core router down — reply in Slack or run /alert ack ${alert.number}` }]);
    expect(succeeded(paging.twilio.calls())).toHaveLength(1);
    expect(paging.twilio.messages()).toHaveLength(0);

    const events = (await request(paging.app).get(`/alerts/${alert.id}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body as AlertEventsDto;
    expect(events.events.filter((e) => e.kind === 'notification.sent').map((e) => e.data)).toContainEqual(expect.objectContaining({ channel: 'pager', provider_id: 'PG-1', to: '+1 ******0177' }));

    // The alert's channel message names it by its label, as the backend's own words do.
    const posted = await paging.eventually(
      async () => paging.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0PAGER' && Array.isArray(c.args.blocks)),
      (posts) => posts.length > 0,
    );
    expect(JSON.stringify(posted[0]?.args.blocks)).toContain('<@U0PAGER>: Pager + call');
  });

  it('comes after the shipped channels of its role: someone who takes WhatsApp too is paged by WhatsApp', async () => {
    await putContact('U0BOTH', { phone: '+14155550178', channels: ['pager', 'whatsapp'] }).expect(200);

    const alert = await paging.raise({ tenant_id: TENANT, severity: 'high', message: 'disk full', targets: [{ slack_user_id: 'U0BOTH' }] });

    expect(alert.targets).toMatchObject([{ slack_user_id: 'U0BOTH', channels: ['whatsapp'] }]);
  });
});
