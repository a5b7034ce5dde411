import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger';

function capture(level: string, format: 'json' | 'pretty' = 'json') {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { logger: createLogger({ service: 'test', level, format, stream }), lines };
}

/**
 * Meta with a nested field that counts its reads: winston copies the meta shallowly for every call, but
 * only redaction and serialisation look inside it.
 */
function countingMeta() {
  const counter = { reads: 0 };
  const inner = {};
  Object.defineProperty(inner, 'text', {
    enumerable: true,
    get() {
      counter.reads++;
      return 'call +14155550101';
    },
  });
  return { meta: { detail: inner }, counter };
}

describe('createLogger', () => {
  it('does not redact or format a line below the level', () => {
    const { logger, lines } = capture('warn');
    const { meta, counter } = countingMeta();
    logger.info('below the level', meta);
    logger.debug('further below', meta);
    expect(counter.reads).toBe(0);
    logger.warn('at the level', { n: 1 });
    expect(lines.map((line) => JSON.parse(line) as { message: string; level: string })).toEqual([expect.objectContaining({ message: 'at the level', level: 'warn' })]);
  });

  it('still redacts a line at the level, and follows a level changed later', () => {
    const { logger, lines } = capture('warn');
    logger.info('not yet');
    logger.level = 'info';
    const { meta, counter } = countingMeta();
    logger.info('now', meta);
    expect(counter.reads).toBeGreaterThan(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'now', detail: { text: 'call +1 ******0101' } });
  });

  it('leaves a field that is undefined out of a pretty line, as JSON does', () => {
    const pretty = capture('info', 'pretty');
    pretty.logger.info('twilio webhook', { path: '/twilio/status/d1', from: undefined, attempt: 0, note: null });
    expect(pretty.lines).toHaveLength(1);
    expect(pretty.lines[0]).toMatch(/ info {2}\[test\] twilio webhook path=\/twilio\/status\/d1 attempt=0 note=null$/);
    const json = capture('info');
    json.logger.info('twilio webhook', { path: '/twilio/status/d1', from: undefined });
    expect(JSON.parse(json.lines[0]!)).not.toHaveProperty('from');
  });
});
