import type { Logger } from '@klaxon/logger';
import type { SlackDirectory } from '../contacts/slack-directory';
import type { Clock } from '../time/clock';

export interface PersonNamesOptions {
  directory: SlackDirectory;
  clock: Clock;
  logger: Logger;
  /** How long a name (or "Slack has no such user") is kept before Slack is asked again. */
  ttlMs?: number;
  /** The longest a caller waits for names; those not known by then are left out, and looked up meanwhile. */
  waitMs?: number;
}

interface Known {
  name: string | null;
  until: number;
}

const HOUR_MS = 3_600_000;
// Far more people than any installation pages; a bound so a stream of made-up ids cannot grow it without end.
const MAX_KNOWN = 10_000;

/**
 * People's Slack names (display name, else real name), as calendar feeds show them. A subscribed calendar
 * fetches its feed every hour and each feed names a rota's worth of people: asked of Slack every time, users.info
 * would be called for every person on every fetch. Names are kept an hour, and a feed never waits on a slow
 * Slack for longer than `waitMs`: it shows the ids of the people not known in time, and the next fetch names them.
 */
export class PersonNames {
  private readonly known = new Map<string, Known>();
  private readonly asking = new Map<string, Promise<void>>();
  private readonly ttlMs: number;
  private readonly waitMs: number;

  constructor(private readonly options: PersonNamesOptions) {
    this.ttlMs = options.ttlMs ?? HOUR_MS;
    this.waitMs = options.waitMs ?? 2_000;
  }

  /** The names the directory knows of these people; a person Slack does not know, or not in time, is left out. */
  async namesOf(userIds: readonly string[]): Promise<Map<string, string>> {
    const now = this.options.clock.now().getTime();
    const stale = [...new Set(userIds)].filter((id) => (this.known.get(id)?.until ?? 0) <= now);
    if (stale.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.waitMs);
      });
      await Promise.race([Promise.all(stale.map((id) => this.lookUp(id))), waited]);
      clearTimeout(timer);
    }
    const names = new Map<string, string>();
    for (const id of userIds) {
      const name = this.known.get(id)?.name;
      if (name) names.set(id, name);
    }
    return names;
  }

  /** One users.info per person at a time, however many feeds ask at once; a failure leaves them unknown. */
  private lookUp(userId: string): Promise<void> {
    let asking = this.asking.get(userId);
    if (!asking) {
      asking = this.options.directory
        .lookupUser(userId)
        .then(
          (profile) => this.remember(userId, profile?.name ?? null),
          // The directory has logged why; the id stands in for the name until a later feed asks again.
          () => undefined,
        )
        .finally(() => this.asking.delete(userId));
      this.asking.set(userId, asking);
    }
    return asking;
  }

  private remember(userId: string, name: string | null): void {
    if (this.known.size >= MAX_KNOWN) {
      this.options.logger.warn('forgetting every cached Slack name: more people than expected were looked up', { cached: this.known.size });
      this.known.clear();
    }
    this.known.set(userId, { name, until: this.options.clock.now().getTime() + this.ttlMs });
  }
}
