import { requestIdOf } from './twilio-webhook';

describe('requestIdOf', () => {
  it('is the same for a repeated callback and differs per status, key or verdict', () => {
    const delivered = { MessageSid: 'SM0123', MessageStatus: 'delivered' };
    expect(requestIdOf('/twilio/status/abc', delivered)).toBe('twilio-status-SM0123-delivered');
    expect(requestIdOf('/twilio/status/abc', { ...delivered })).toBe(requestIdOf('/twilio/status/abc', delivered));
    expect(requestIdOf('/twilio/status/abc', { ...delivered, MessageStatus: 'read' })).not.toBe(requestIdOf('/twilio/status/abc', delivered));
    expect(requestIdOf('/twilio/keypress/abc', { CallSid: 'CA1', Digits: '1' })).toBe('twilio-keypress-CA1-key-1');
    expect(requestIdOf('/twilio/status/abc', { CallSid: 'CA1', AnsweredBy: 'machine_start' })).toBe('twilio-status-CA1-amd-machine_start');
  });

  it('is always an id the backend accepts, and a fresh one without a SID', () => {
    const id = requestIdOf('/twilio/inbound', { MessageSid: `SM${'x'.repeat(200)} ü` });
    expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(requestIdOf('/twilio/inbound', {})).toMatch(/^twilio-[0-9a-f-]{36}$/);
  });
});
