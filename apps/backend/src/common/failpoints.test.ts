import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { FAILPOINT_AFTER_CLAIM_VARIABLE, failpointsFrom } from './failpoints';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { logger: createLogger({ service: 'backend', format: 'json', stream }), lines };
}

describe('failpoints', () => {
  it('holds deliveries after their claim outside production', () => {
    const { logger } = capture();
    const points = failpointsFrom({ [FAILPOINT_AFTER_CLAIM_VARIABLE]: '50' }, 'development', logger);
    expect(points.afterClaim).toBeInstanceOf(Function);
  });

  it('cannot be switched on in production, and says so in the log', async () => {
    const { logger, lines } = capture();
    const points = failpointsFrom({ [FAILPOINT_AFTER_CLAIM_VARIABLE]: '60000' }, 'production', logger);
    expect(points).toEqual({});
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(lines.map((line) => JSON.parse(line) as { level: string; message: string })).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringContaining('ignored in production') }),
    ]);
  });

  it.each([undefined, '', '0', '-5', 'soon'])('does nothing for %p', (value) => {
    const { logger } = capture();
    expect(failpointsFrom({ [FAILPOINT_AFTER_CLAIM_VARIABLE]: value }, 'development', logger)).toEqual({});
  });
});
