import { twilioWebhookPath, twilioWebhookRouteOf } from './twilio';

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
