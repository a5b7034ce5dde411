import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

// The heartbeats phase's client, in a process of its own so its CPU is not counted as the backend's: pings
// heartbeat i at i × interval / count into each interval, until the parent sends 'stop'; then answers
// {sent, failed} and exits. Started with fork() and one JSON argument (PingerOptions).

export interface PingerOptions {
  baseUrl: string;
  serviceKey: string;
  tenant: string;
  /** Heartbeats `<prefix>0` … `<prefix><count - 1>`. */
  prefix: string;
  count: number;
  intervalS: number;
}

export interface PingerReport {
  sent: number;
  failed: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as PingerOptions;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const everyMs = (options.intervalS * 1000) / options.count;
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  process.on('message', (message) => {
    if (message === 'stop') stopped = true;
  });
  while (!stopped) {
    // Catch up by the clock: a timer that fires late sends the pings it owes at once.
    const due = Math.floor((performance.now() - started) / everyMs);
    for (; sent < due; sent++) {
      const ping = post(agent, `${options.baseUrl}/heartbeats/${options.tenant}/${options.prefix}${sent % options.count}/ping`, options.serviceKey).catch(() => void (failed += 1));
      inFlight.add(ping);
      void ping.finally(() => inFlight.delete(ping));
    }
    await sleep(Math.max(1, everyMs));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const report: PingerReport = { sent, failed };
  process.send?.(report, () => process.exit(0));
}

function post(agent: http.Agent, url: string, serviceKey: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'x-service-key': serviceKey } }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

void main();
