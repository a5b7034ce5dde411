import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writePrivateFile } from './private-file';

const dir = mkdtempSync(path.join(tmpdir(), 'klaxon-private-file-'));
const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('writePrivateFile', () => {
  it('creates the file 0600', () => {
    const file = path.join(dir, 'new.csv');
    writePrivateFile(file, 'a,b\n');
    expect(readFileSync(file, 'utf8')).toBe('a,b\n');
    expect(modeOf(file)).toBe(0o600);
  });

  it('replaces a world-readable file with a 0600 one and leaves no temporary file behind', () => {
    const file = path.join(dir, 'shared.csv');
    writeFileSync(file, 'an older, longer export\n');
    chmodSync(file, 0o644);
    writePrivateFile(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(modeOf(file)).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces a symbolic link by the file instead of writing through it', () => {
    const target = path.join(dir, 'elsewhere.txt');
    writeFileSync(target, 'untouched\n');
    chmodSync(target, 0o644);
    const link = path.join(dir, 'link.csv');
    symlinkSync(target, link);
    writePrivateFile(link, 'new\n');
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(modeOf(link)).toBe(0o600);
  });

  it('throws, leaving nothing behind, when the folder does not exist', () => {
    expect(() => writePrivateFile(path.join(dir, 'missing', 'x.csv'), 'x')).toThrow(/ENOENT/);
  });
});
