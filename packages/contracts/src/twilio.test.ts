import { twilioWebhookKey, twilioWebhookPath, twilioWebhookRouteOf } from './twilio';

const DELIVERY = '6f1c2b7e-0000-4000-8000-00000000abcd';

describe('twilioWebhookRouteOf', () => {
  it.each([
    [`/twilio/status/${DELIVERY}`, { kind: 'status', deliveryId: DELIVERY }],
    [`/twilio/keypress/${DELIVERY.toUpperCase()}`, { kind: 'keypress', deliveryId: DELIVERY }],
    ['/twilio/inbound', { kind: 'inbound' }],
    ['/twilio/inbound?tenant=acme', { kind: 'inbound' }],
  ])('routes %s', (url, route) => {
    expect(twilioWebhookRouteOf(url)).toEqual(route);
  });

  it.each([
    '/twilio/../test-pages',
    '/twilio/%2e%2e/test-pages',
    '/twilio\\..\\test-pages',
    `/twilio/status/${DELIVERY}/../../../alert`,
    '/twilio/./inbound',
    '/twilio//inbound',
    '/twilio/inbound/',
    '/twilio/inbound#x',
    '/twilio/%69nbound',
    '/twilio/status/not-a-delivery',
    `/twilio/status/${DELIVERY}%2F..%2F..%2Ftest-pages`,
    `/twilio/call/${DELIVERY}`,
    '/twilio/',
    '/twilio',
    '/slack/events',
  ])('refuses %s', (url) => {
    expect(twilioWebhookRouteOf(url)).toBeNull();
  });
});

describe('twilioWebhookPath', () => {
  it('builds the backend path from the route, the delivery id as one encoded segment', () => {
    expect(twilioWebhookPath({ kind: 'inbound' })).toBe('/twilio/inbound');
    expect(twilioWebhookPath({ kind: 'status', deliveryId: DELIVERY })).toBe(`/twilio/status/${DELIVERY}`);
    expect(twilioWebhookPath({ kind: 'keypress', deliveryId: '../../test-pages' })).toBe('/twilio/keypress/..%2F..%2Ftest-pages');
  });
});

describe('twilioWebhookKey', () => {
  it('is the same for a repeated webhook and differs per kind, status, key or verdict', () => {
    const delivered = { MessageSid: 'SM0123', MessageStatus: 'delivered' };
    expect(twilioWebhookKey('status', delivered)).toBe('twilio-status-SM0123-delivered');
    expect(twilioWebhookKey('status', { ...delivered })).toBe(twilioWebhookKey('status', delivered));
    expect(twilioWebhookKey('status', { ...delivered, MessageStatus: 'read' })).toBe('twilio-status-SM0123-read');
    expect(twilioWebhookKey('keypress', { CallSid: 'CA1', Digits: '1' })).toBe('twilio-keypress-CA1-key-1');
    expect(twilioWebhookKey('status', { CallSid: 'CA1', AnsweredBy: 'machine_start' })).toBe('twilio-status-CA1-amd-machine_start');
    expect(twilioWebhookKey('inbound', { MessageSid: 'SM9', Body: 'ack' })).toBe('twilio-inbound-SM9-inbound');
    expect(twilioWebhookKey('inbound', { MessageSid: 'SM9', Body: 'resolve' })).toBe(twilioWebhookKey('inbound', { MessageSid: 'SM9', Body: 'ack' }));
  });

  it('is an id of the request-id alphabet, and null without a SID that looks like one', () => {
    expect(twilioWebhookKey('status', { CallSid: `CA${'f'.repeat(32)}`, CallStatus: 'no answer <x>'.repeat(10) })).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(twilioWebhookKey('inbound', {})).toBeNull();
    expect(twilioWebhookKey('inbound', { MessageSid: `SM${'x'.repeat(200)}` })).toBeNull();
    expect(twilioWebhookKey('inbound', { MessageSid: 'SM 1' })).toBeNull();
  });
});
