import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { MovableClock } from '@klaxon/testing';
import { SlackDirectoryError, type SlackDirectory, type SlackProfile } from '../contacts/slack-directory';
import { PersonNames } from './person-names';

/** A directory answering from a table, counting its lookups; `slow` people are answered only when released. */
class TableDirectory implements SlackDirectory {
  lookups: string[] = [];
  private readonly held: Array<() => void> = [];

  constructor(
    private readonly people: Record<string, SlackProfile | null | 'down'>,
    private readonly slow = new Set<string>(),
  ) {}

  async lookupUser(userId: string): Promise<SlackProfile | null> {
    this.lookups.push(userId);
    if (this.slow.has(userId)) await new Promise<void>((resolve) => this.held.push(resolve));
    const answer = this.people[userId];
    if (answer === 'down') throw new SlackDirectoryError(userId, 'unavailable', 'Slack is down');
    return answer ?? null;
  }

  release(): void {
    this.held.splice(0).forEach((resolve) => resolve());
  }
}

const logger = createLogger({ service: 'test', stream: new PassThrough() });
const HOUR = 3_600_000;

describe('PersonNames', () => {
  it('names the people Slack knows, once per hour each however often asked', async () => {
    const clock = new MovableClock(new Date('2026-12-09T12:00:00Z'));
    const directory = new TableDirectory({ U0ANNA: { name: 'Anna', phone: null }, U0NONAME: { name: null, phone: null } });
    const names = new PersonNames({ directory, clock, logger });

    const first = await names.namesOf(['U0ANNA', 'U0ANNA', 'U0GHOST', 'U0NONAME']);
    expect(Object.fromEntries(first)).toEqual({ U0ANNA: 'Anna' });
    await names.namesOf(['U0ANNA', 'U0GHOST']);
    expect(directory.lookups).toEqual(['U0ANNA', 'U0GHOST', 'U0NONAME']);

    clock.advance(HOUR);
    await names.namesOf(['U0ANNA']);
    expect(directory.lookups).toEqual(['U0ANNA', 'U0GHOST', 'U0NONAME', 'U0ANNA']);
  });

  it('does not wait on a slow Slack past its bound, and names the person on the next ask', async () => {
    const clock = new MovableClock();
    const directory = new TableDirectory({ U0SLOW: { name: 'Slow Sam', phone: null } }, new Set(['U0SLOW']));
    // The slow answer is held until released, so the bound passes first however short it is.
    const names = new PersonNames({ directory, clock, logger, waitMs: 0 });
    expect(Object.fromEntries(await names.namesOf(['U0SLOW']))).toEqual({});
    directory.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(Object.fromEntries(await names.namesOf(['U0SLOW']))).toEqual({ U0SLOW: 'Slow Sam' });
    expect(directory.lookups).toEqual(['U0SLOW']);
  });

  it('keeps no answer when Slack could not be asked, and keeps the name it had when a refresh fails', async () => {
    const clock = new MovableClock();
    const people: Record<string, SlackProfile | null | 'down'> = { U0ANNA: { name: 'Anna', phone: null }, U0DOWN: 'down' };
    const directory = new TableDirectory(people);
    const names = new PersonNames({ directory, clock, logger });
    expect(Object.fromEntries(await names.namesOf(['U0ANNA', 'U0DOWN']))).toEqual({ U0ANNA: 'Anna' });
    people.U0ANNA = 'down';
    clock.advance(HOUR);
    expect(Object.fromEntries(await names.namesOf(['U0ANNA', 'U0DOWN']))).toEqual({ U0ANNA: 'Anna' });
    expect(directory.lookups).toEqual(['U0ANNA', 'U0DOWN', 'U0ANNA', 'U0DOWN']);
  });
});
