import { pageSpeech, pageTemplateVariables, pageText } from './page-text';

const alert = { id: 'a1', number: 42, severity: 'critical' as const, message: 'checkout is down' };

describe('page texts', () => {
  it('writes the page with number, severity, message and how to acknowledge', () => {
    expect(pageText(alert)).toBe('🚨 Klaxon #42 CRITICAL: checkout is down — reply in Slack or run /alert ack 42');
  });

  it('fills the WhatsApp template placeholders', () => {
    expect(pageTemplateVariables(alert)).toEqual({ '1': '#42', '2': 'CRITICAL', '3': 'checkout is down' });
  });

  it('speaks one sentence, without doubling the final punctuation', () => {
    expect(pageSpeech(alert)).toBe('Klaxon alert number 42, severity critical: checkout is down.');
    expect(pageSpeech({ ...alert, message: 'db on fire!! ' })).toBe('Klaxon alert number 42, severity critical: db on fire.');
  });
});
