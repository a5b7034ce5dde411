export interface ServiceKey {
  key: string;
  /** A bound key only sees and changes this tenant's alerts; null is the trusted internal caller. */
  tenantId: string | null;
}

const KEY_PATTERN = /^[A-Za-z0-9_\-.~+/=]{16,200}$/;
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Parses `key1,key2@tenant`; returns the keys or the reasons the list is malformed (never the keys themselves). */
export function parseServiceKeys(raw: string): { keys: ServiceKey[]; problems: string[] } {
  const keys: ServiceKey[] = [];
  const problems: string[] = [];
  raw.split(',').forEach((entry, index) => {
    const item = entry.trim();
    const position = `entry ${index + 1}`;
    if (item === '') {
      problems.push(`${position} is empty (write keys separated by commas, no trailing comma)`);
      return;
    }
    const at = item.lastIndexOf('@');
    const key = at === -1 ? item : item.slice(0, at);
    const tenantId = at === -1 ? null : item.slice(at + 1);
    if (!KEY_PATTERN.test(key)) {
      problems.push(`${position} must be 16 to 200 characters of letters, digits or -_.~+/= (generate one with: openssl rand -hex 32)`);
      return;
    }
    if (tenantId !== null && !TENANT_PATTERN.test(tenantId)) {
      problems.push(`${position} binds to "${tenantId}", which is not a tenant id (letters, digits, _ . -)`);
      return;
    }
    keys.push({ key, tenantId });
  });
  return { keys, problems };
}

/** A Slack channel the operator lets keys bound to this tenant name for their alerts. */
export interface TenantChannel {
  tenantId: string;
  channelId: string;
}

// The Slack channel id shape (contracts has the same rule; config imports no internal package).
const CHANNEL_PATTERN = /^[CGD][A-Z0-9]{2,}$/;

/** Parses `tenant:channel,tenant:channel` (TENANT_SLACK_CHANNELS); returns the grants or why the list is malformed. */
export function parseTenantChannels(raw: string): { grants: TenantChannel[]; problems: string[] } {
  const grants: TenantChannel[] = [];
  const problems: string[] = [];
  if (raw.trim() === '') return { grants, problems };
  raw.split(',').forEach((entry, index) => {
    const [tenantId = '', channelId = '', ...rest] = entry.trim().split(':');
    if (rest.length > 0 || !TENANT_PATTERN.test(tenantId) || !CHANNEL_PATTERN.test(channelId)) {
      problems.push(`entry ${index + 1} must be tenant:channel, a tenant id and a Slack channel id such as T024BE7LD:C024BE91L`);
      return;
    }
    grants.push({ tenantId, channelId });
  });
  return { grants, problems };
}
