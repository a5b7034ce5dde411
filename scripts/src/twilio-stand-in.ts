import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { maskPhone } from '@klaxon/logger';
import { startFakeTwilio, type FakeTwilio, type FakeTwilioRequest } from '@klaxon/testing';

/** A page the stand-in received, with the URLs Twilio would call back about it. */
export interface StandInPage {
  kind: 'message' | 'call';
  to: string;
  sid: string;
  statusCallback: string | null;
  keypress: string | null;
}

/** What `npm start` leaves for `npm run twilio`: the stand-in's token and the pages it received, newest last. */
export interface StandInState {
  accountSid: string;
  authToken: string;
  pages: StandInPage[];
}

export const STAND_IN_FILE = 'twilio-stand-in.json';
const KEPT_PAGES = 50;

export function readStandInState(dataDir: string): StandInState | null {
  const file = path.join(dataDir, STAND_IN_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StandInState) : null;
}

/**
 * Without Twilio credentials in development, `npm start` runs the fake Twilio as a local stand-in: the real
 * SDK sends every page to it (with its StatusCallback), it prints them, and `npm run twilio` answers them as
 * Twilio would, signed with the stand-in's token. Nobody's phone rings.
 */
export async function startTwilioStandIn(dataDir: string, print: (line: string) => void): Promise<{ standIn: FakeTwilio; env: Record<string, string> }> {
  const file = path.join(dataDir, STAND_IN_FILE);
  const state: StandInState = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), pages: [] };
  const save = () => fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  save();
  const onAnswered = (request: FakeTwilioRequest) => {
    if (request.method !== 'POST' || !request.sid || (request.responseStatus ?? 500) >= 300) return;
    const kind: StandInPage['kind'] = request.path.endsWith('/Calls.json') ? 'call' : 'message';
    const to = (request.form.To ?? '').replace(/^whatsapp:/, '');
    const keypress = /action="([^"]+\/twilio\/keypress\/[^"]+)"/.exec(request.form.Twiml ?? '')?.[1] ?? null;
    // A text that is not a page (a verification code) carries no callback: printed, but nothing to answer.
    if (kind === 'call' || request.form.StatusCallback) {
      state.pages = [...state.pages, { kind, to, sid: request.sid, statusCallback: request.form.StatusCallback ?? null, keypress }].slice(-KEPT_PAGES);
      save();
    }
    const what = kind === 'call' ? 'call' : (request.form.To ?? '').startsWith('whatsapp:') ? 'WhatsApp' : 'SMS';
    const text = kind === 'call' ? 'press 1 to acknowledge, 2 to pass on' : (request.form.Body ?? `template ${request.form.ContentSid ?? ''}`);
    print(`twilio ▸ ${what} to ${maskPhone(to)} (${request.sid}): ${text}`);
  };
  const standIn = await startFakeTwilio({ accountSid: state.accountSid, authToken: state.authToken, onAnswered });
  return {
    standIn,
    env: {
      TWILIO_ACCOUNT_SID: state.accountSid,
      TWILIO_AUTH_TOKEN: state.authToken,
      TWILIO_API_BASE_URL: standIn.url,
      TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
      TWILIO_SMS_FROM: '+14155550100',
      TWILIO_VOICE_FROM: '+14155550100',
    },
  };
}
