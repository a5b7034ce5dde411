// `/alert phone <number>` across both apps: really signed slash commands through the real gateway, the code
// through the real Twilio SDK to the fake Twilio, on the real clock.
import request from 'supertest';
import { signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { succeeded } from '../../apps/backend/test/integration/paging-harness';
import { startBothApps, type BothApps } from './both-apps';

const SIGNING_SECRET = 'e2e0codes0secret000000000000abcd';
let apps: BothApps;
let commands = 0;

beforeAll(async () => {
  apps = await startBothApps(SIGNING_SECRET);
});
afterAll(() => apps.close());

/** Sends `/alert <text>` as `user` of `team`, signed, and returns what the gateway posted back to its response_url. */
async function command(text: string, who: { team: string; user: string }): Promise<string> {
  const id = `codes-${(commands += 1)}`;
  const body = slashCommandBody({ text, team_id: who.team, user_id: who.user, response_url: apps.paging.slack.responseUrl(id) });
  const res = await fetch(`${apps.gatewayUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
    body,
  });
  expect(res.status).toBe(200);
  return String((await apps.paging.slack.waitForResponse((b) => apps.paging.slack.responses(id).includes(b), 10_000)).text);
}

const codesTo = (to: string) => succeeded(apps.paging.twilio.messages()).filter((m) => m.form.To === to && /your code is/.test(m.form.Body ?? '')).length;

describe('/alert phone <someone else’s number>, alternated with /alert phone <my number>', () => {
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
