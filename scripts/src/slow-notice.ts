// A line on stderr for work that takes long enough to wonder about (a large file, a slow backend): nothing for
// the usual fraction of a second, then what is going on and for how long, rewritten on a terminal.

const SHOW_AFTER_MS = 1000;

export class SlowNotice {
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  private shown = false;

  constructor(
    private readonly what: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.timer = setInterval(() => this.draw(), SHOW_AFTER_MS);
    this.timer.unref();
  }

  /** Stops the line; on a terminal it is cleared, elsewhere it stays as it was written once. */
  done(): void {
    clearInterval(this.timer);
    if (this.shown && this.stream.isTTY) this.stream.write('\r\x1b[K');
  }

  private draw(): void {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    if (this.stream.isTTY) this.stream.write(`\r▸ ${this.what}… ${seconds} s`);
    // Not a terminal (a log, a pipe): once, not a line a second.
    else if (!this.shown) this.stream.write(`▸ ${this.what}…\n`);
    this.shown = true;
  }
}
