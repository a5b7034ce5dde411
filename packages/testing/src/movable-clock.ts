/**
 * A clock tests move by hand: it starts at a given instant (by default the real now, so jobs scheduled
 * from it land where the job runner expects them) and only advances when told. Fits the backend's Clock.
 */
export class MovableClock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }

  set(at: Date): Date {
    this.current = at.getTime();
    return this.now();
  }
}
