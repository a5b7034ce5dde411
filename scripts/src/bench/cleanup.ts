import type http from 'node:http';
import { closeNow, listenOnLoopback } from '@klaxon/testing';
import { messageOf } from './context';

/** What the bench started, to be stopped however the run ends (a failed phase, Ctrl-C). */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> }> = [];

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** Last in, first out (the pool closes before its database is dropped, which happens before PostgreSQL stops). */
  async runAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      await step.run().catch((error: unknown) => problems.push(`cleanup (${step.name}) failed: ${messageOf(error)}`));
    }
    return problems;
  }
}

/** Listens on a loopback port and closes the server at cleanup; resolves its base URL. */
export async function serve(server: http.Server, cleanup: Cleanup, name: string): Promise<string> {
  const url = await listenOnLoopback(server);
  cleanup.add(name, () => closeNow(server));
  return url;
}
