/**
 * What became of every `/alert` page the gateway acknowledged, so nobody has to trust that none was lost:
 * `acked` = `raised` + `toldFailed` + `untold` + the pages still under way. `overloaded` pages were refused
 * in the ack itself (nothing paged, the author told at once). `untold` pages raised nothing AND their
 * author could not be told (Slack's response_url refused the message): the silent losses, logged as errors.
 * Local counters, read by `Gateway.pageCounts()` (the bench) and logged when the gateway stops.
 */
export class PageCounts {
  acked = 0;
  overloaded = 0;
  raised = 0;
  toldFailed = 0;
  untold = 0;

  snapshot(): { acked: number; overloaded: number; raised: number; toldFailed: number; untold: number } {
    return { acked: this.acked, overloaded: this.overloaded, raised: this.raised, toldFailed: this.toldFailed, untold: this.untold };
  }
}
