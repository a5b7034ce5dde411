import { BlockList, isIP } from 'node:net';

// Addresses no caller on the internet can reach: Twilio's callbacks to one of them never arrive.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8);
LOOPBACK.addAddress('::1', 'ipv6');

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", and the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(network, prefix);
}
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6'); // unique local
PRIVATE.addSubnet('fe80::', 10, 'ipv6'); // link-local

const WHAT_TO_SET = 'set it to the https address Twilio reaches the gateway at (such as https://klaxon.example.com)';
const BROKEN = 'Twilio could not deliver receipts, keypresses or replies to it';

/** What keeps Twilio from calling this host from the internet, or null when nothing visible does. */
function unreachable(hostname: string): string | null {
  // URL keeps IPv6 literals in brackets, and a trailing dot is the same DNS name.
  const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const family = isIP(host);
  if (family !== 0) {
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (LOOPBACK.check(host, type)) return 'is loopback';
    if (PRIVATE.check(host, type)) return 'is a private address';
    return null;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'is loopback';
  if (!host.includes('.')) return 'is not a public DNS name';
  return null;
}

/**
 * With Twilio in production, PUBLIC_BASE_URL is where Twilio sends delivery receipts, a call's keypresses and
 * replies, and the URL it signs: a development default, plain http or an address only this machine or network
 * reaches would start fine and silently lose all of them. One line naming the variable, or null.
 */
export function publicBaseUrlProblem(given: string | undefined, url: string): string | null {
  if (given === undefined) return `PUBLIC_BASE_URL: is required with Twilio in production (the default ${url} is for development); ${WHAT_TO_SET}`;
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return `PUBLIC_BASE_URL: must start with https:// with Twilio in production (Twilio signs the URL as it called it, scheme included); ${WHAT_TO_SET}`;
  const reason = unreachable(parsed.hostname);
  return reason ? `PUBLIC_BASE_URL: ${parsed.origin} ${reason}, so ${BROKEN}; ${WHAT_TO_SET}` : null;
}
