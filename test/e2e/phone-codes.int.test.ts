// `/alert phone <number>` across both apps: really signed slash commands through the real gateway, the code
// through the real Twilio SDK to the fake Twilio, on the real clock.
import request from 'supertest';
import { signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { succeeded } from '../../apps/backend/test/integration/paging-harness';
import { startBothApps, type BothApps, type GatewayTiming } from './both-apps';

const SIGNING_SECRET = 'e2e0codes0secret000000000000abcd';
// The gateway's production wait for the backend (BACKEND_TIMEOUT_MS).
const BACKEND_TIMEOUT_MS = 2500;
let apps: BothApps;
let commands = 0;

/** Both apps for the tests of one describe. */
function withBothApps(timing: GatewayTiming): void {
  beforeAll(async () => {
    apps = await startBothApps(SIGNING_SECRET, {}, timing);
  });
  afterAll(() => apps.close());
}

/** Sends `/alert <text>` as `user` of `team`, signed, and returns the texts the gateway posted to its response_url. */
async function commandAnswers(text: string, who: { team: string; user: string }, { count = 1 } = {}): Promise<string[]> {
  const id = `codes-${(commands += 1)}`;
  const body = slashCommandBody({ text, team_id: who.team, user_id: who.user, response_url: apps.paging.slack.responseUrl(id) });
  const res = await fetch(`${apps.gatewayUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
    body,
  });
  expect(res.status).toBe(200);
  await apps.paging.slack.waitForResponse(() => apps.paging.slack.responses(id).length >= count, 20_000);
  return apps.paging.slack.responses(id).map((b) => String(b.text));
}

const command = async (text: string, who: { team: string; user: string }): Promise<string> => (await commandAnswers(text, who))[0]!;

const codesTo = (to: string) => succeeded(apps.paging.twilio.messages()).filter((m) => m.form.To === to && /your code is/.test(m.form.Body ?? '')).length;

describe('/alert phone <someone else’s number>, alternated with /alert phone <my number>', () => {
  withBothApps({ backendTimeoutMs: BACKEND_TIMEOUT_MS });

  it('sends the stranger at most 3 codes, whoever in whichever workspace asks, and tells each asker why not', async () => {
    const askers = Array.from({ length: 6 }, (_, i) => ({ team: `T0FLOOD${i}`, user: `U0FLOOD${i}`, own: `+1 415 555 06${10 + i}` }));
    for (const { team, user, own } of askers) {
      await request(apps.paging.app).put(`/contacts/${team}/${user}`).set('x-service-key', SERVICE_KEY).send({ phone: own }).expect(200);
    }
    const answers: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const asker of askers) {
        answers.push(await command('phone +1 415 555 0600', asker));
        expect(await command(`phone ${asker.own}`, asker)).toMatch(/^✅ Klaxon already pages you at \+1 \*{6}06\d\d; there is nothing to confirm\.$/);
      }
    }

    expect(codesTo('+14155550600')).toBe(3);
    expect(answers.filter((text) => text.startsWith('📨 A code was sent by SMS to +1 ******0600.'))).toHaveLength(3);
    const refusals = answers.filter((text) => !text.startsWith('📨'));
    expect(refusals).toHaveLength(15);
    for (const text of refusals) {
      expect(text).toMatch(
        /^⏳ No code was sent, so your number was not changed: (\+1 \*{6}0600 has had too many codes lately \(at most 3 an hour and 10 a day, whoever asks\); a new one can be sent to it in \d+ min|a code was sent a moment ago; a new one can be sent in \d+ s .*)\.$/,
      );
      expect(text).not.toMatch(/T0FLOOD|U0FLOOD/);
    }
  });
});

describe('/alert phone <number> while the SMS provider is slow', () => {
  withBothApps({ backendTimeoutMs: BACKEND_TIMEOUT_MS });

  it('waits past the usual backend timeout for the code to go, and says it was sent, never that it failed', async () => {
    apps.paging.twilio.delayNext(BACKEND_TIMEOUT_MS + 1000);
    const answers = await commandAnswers('phone +1 415 555 0700', { team: 'T0SLOW', user: 'U0SLOW' });
    expect(answers).toEqual([
      '📨 A code was sent by SMS to +1 ******0700. Confirm the number with `/alert phone verify 123456` (your code, within 10 minutes). Until then Klaxon keeps paging you at the phone in your Slack profile, if there is one.',
    ]);
    expect(codesTo('+14155550700')).toBe(1);
  });
});

describe('/alert phone <number> while the SMS provider is slower than the gateway waits', () => {
  // The gateway waits for a code as long as for a page (the command's budget); here a second, where Twilio holds the text.
  withBothApps({ backendTimeoutMs: 300, pageRetryBudgetMs: 1000 });

  it('says the code is still on its way, and the code that then arrives confirms the number', async () => {
    let release!: () => void;
    apps.paging.twilio.holdNext(new Promise<void>((resolve) => (release = resolve)));
    const who = { team: 'T0HELD', user: 'U0HELD' };
    const [answer] = await commandAnswers('phone +1 415 555 0710', who);
    expect(answer).toBe(
      '⏳ The code is still on its way: the text provider has not confirmed it yet. Check your phone in a moment and confirm with `/alert phone verify 123456`; if nothing arrives, ask again with `/alert phone <number>` in 30 s.',
    );
    expect(answer).not.toMatch(/❌|could not|failed/i);

    release();
    const sent = await apps.paging.twilio.waitForMessage((m) => m.form.To === '+14155550710');
    const code = /your code is (\d{6})\./.exec(sent.form.Body ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(await command(`phone verify ${code!}`, who)).toBe('✅ Confirmed: Klaxon will page you at +1 ******0710.');
  });
});
