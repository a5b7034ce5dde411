import type { Duration } from '@klaxon/contracts';
import { DAY_MS, type ZoneRules } from '../time/zone-rules';

/** One turn of a rotation: member `member` (an index into the layer's members) from `start` until `end`. */
export interface Turn {
  readonly member: number;
  readonly start: number;
  readonly end: number;
}

export interface Rotation {
  /** The turn holding `instant` (milliseconds since the epoch), before the first hand-off as well as after it. */
  turnAt(instant: number): Turn;
}

/**
 * Member 0 takes over at `handoff` (wall milliseconds in `zone`), and each `shift` later the next one does,
 * round and round, in both directions of time. Calendar shifts (`1d`, `1w`) hand over at the same wall-clock
 * time each time, resolved as ZoneRules.toInstant does across daylight saving changes; elapsed shifts (`8h`)
 * hand over every so many milliseconds, whatever the clock on the wall says.
 */
export function compileRotation(options: { shift: Duration; handoff: number; members: number; zone: ZoneRules }): Rotation {
  const { shift, handoff, members, zone } = options;
  if (!Number.isInteger(members) || members < 1) throw new RangeError('a rotation needs at least one member');
  const memberOf = (turn: number) => ((turn % members) + members) % members;

  if (shift.kind === 'elapsed') {
    const length = shift.seconds * 1000;
    const first = zone.toInstant(handoff);
    return {
      turnAt(instant) {
        const turn = Math.floor((instant - first) / length);
        const start = first + turn * length;
        return { member: memberOf(turn), start, end: start + length };
      },
    };
  }

  const length = shift.days * DAY_MS;
  const handoffOf = (turn: number) => zone.toInstant(handoff + turn * length);
  return {
    turnAt(instant) {
      // The wall clock names the turn, except near a hand-off moved by a change of offset (one in a skipped
      // hour happens late, one in a repeated hour early): there the instants decide.
      let turn = Math.floor((zone.toWall(instant) - handoff) / length);
      let start = handoffOf(turn);
      while (start > instant) start = handoffOf(--turn);
      let end = handoffOf(turn + 1);
      while (end <= instant) {
        start = end;
        end = handoffOf(++turn + 1);
      }
      return { member: memberOf(turn), start, end };
    },
  };
}
