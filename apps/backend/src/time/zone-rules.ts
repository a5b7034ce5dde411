import { wallClockMilliseconds } from '@klaxon/contracts';
import { IANAZone } from 'luxon';

// Pure: offsets come from the runtime's zone database (through luxon), never from the machine's own zone.
//
// A wall-clock time is written here as the number of milliseconds it would be after 1970-01-01T00:00 if it
// were UTC ("wall milliseconds"): adding a day to one is adding 86,400,000, whatever the zone does that day.

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

// About a year of offsets is worked out at once and kept: a schedule asks about the same months again and
// again, and luxon's offset (an Intl call, a few microseconds) is too slow for 50,000 lookups a second.
const CHUNK_DAYS = 400;
const CHUNK_MS = CHUNK_DAYS * DAY_MS;
const MAX_CHUNKS_PER_ZONE = 64;
const MAX_ZONES = 500;

interface OffsetChunk {
  /** The offset in force at the chunk's first instant, in milliseconds. */
  readonly first: number;
  /** Each change within the chunk: the first instant of the new offset, ascending. */
  readonly changes: ReadonlyArray<{ readonly at: number; readonly offset: number }>;
}

/**
 * One IANA zone's offsets, and the conversions between instants and wall-clock times that schedules need.
 * Assumes at most one offset change within any day, which holds for every zone in use (quiet-hours.ts
 * assumes the same).
 */
export class ZoneRules {
  private readonly chunks = new Map<number, OffsetChunk>();

  private constructor(private readonly zone: IANAZone) {}

  /** The rules of `name`, shared by every schedule in that zone; a RangeError for a zone the runtime does not know. */
  static of(name: string): ZoneRules {
    let rules = zones.get(name);
    if (rules === undefined) {
      if (!IANAZone.isValidZone(name)) throw new RangeError(`unknown time zone "${name}"`);
      if (zones.size >= MAX_ZONES) zones.clear();
      rules = new ZoneRules(IANAZone.create(name));
      zones.set(name, rules);
    }
    return rules;
  }

  /** The zone's offset from UTC at `instant`, in milliseconds (+3,600,000 for Berlin in winter). */
  offsetAt(instant: number): number {
    const chunk = this.chunk(Math.floor(instant / CHUNK_MS));
    let offset = chunk.first;
    for (const change of chunk.changes) {
      if (change.at > instant) break;
      offset = change.offset;
    }
    return offset;
  }

  /** The wall-clock time (wall milliseconds) a clock in the zone shows at `instant`. */
  toWall(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The instant a wall-clock time happens in the zone. A time that happens twice (a fall-back repeat) is its
   * first occurrence; a time that never happens (a spring-forward gap) is the first instant after the gap,
   * the moment of the change. So a 02:30 hand-off on the night clocks jump from 02:00 to 03:00 happens
   * at 03:00, and one at 01:30 on the night 01:00–01:59 repeats happens at the first 01:30.
   */
  toInstant(wall: number): number {
    // The offsets a day either side bracket every reading of `wall`: one of them is in force when it happens.
    const before = wall - this.offsetAt(wall - DAY_MS);
    const after = wall - this.offsetAt(wall + DAY_MS);
    const [earlier, later] = before <= after ? [before, after] : [after, before];
    if (this.toWall(earlier) === wall) return earlier;
    if (this.toWall(later) === wall) return later;
    return this.changeAfter(earlier);
  }

  /** The first instant of the first offset change after `instant` (within two chunks, the only use being a gap). */
  private changeAfter(instant: number): number {
    const index = Math.floor(instant / CHUNK_MS);
    for (const chunkIndex of [index, index + 1]) {
      const change = this.chunk(chunkIndex).changes.find((c) => c.at > instant);
      if (change !== undefined) return change.at;
    }
    throw new Error(`no offset change after ${new Date(instant).toISOString()} in ${this.zone.name}`);
  }

  private chunk(index: number): OffsetChunk {
    let chunk = this.chunks.get(index);
    if (chunk === undefined) {
      if (this.chunks.size >= MAX_CHUNKS_PER_ZONE) this.chunks.clear();
      chunk = this.computeChunk(index);
      this.chunks.set(index, chunk);
    }
    return chunk;
  }

  // A day at a time, then to the millisecond wherever the offset differs from the day before.
  private computeChunk(index: number): OffsetChunk {
    const start = index * CHUNK_MS;
    const first = this.zoneOffset(start);
    const changes: Array<{ at: number; offset: number }> = [];
    let previous = first;
    for (let day = 1; day <= CHUNK_DAYS; day++) {
      const sample = start + day * DAY_MS;
      const offset = this.zoneOffset(sample);
      if (offset === previous) continue;
      let low = sample - DAY_MS;
      let high = sample;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (this.zoneOffset(middle) === offset) high = middle;
        else low = middle;
      }
      // A change on the next chunk's first instant is that chunk's `first`.
      if (high < start + CHUNK_MS) changes.push({ at: high, offset });
      previous = offset;
    }
    return { first, changes };
  }

  private zoneOffset(instant: number): number {
    return this.zone.offset(instant) * MINUTE_MS;
  }
}

const zones = new Map<string, ZoneRules>();

/** `2026-12-07T09:00` → its wall milliseconds; a RangeError for any other text (callers validate first). */
export function parseWallClock(text: string): number {
  const wall = wallClockMilliseconds(text);
  if (wall === null) throw new RangeError(`"${text}" is not a wall-clock time YYYY-MM-DDTHH:MM`);
  return wall;
}
