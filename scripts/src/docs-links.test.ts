import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The README is a front door and docs/ holds the rest: a moved section must not leave a link to nowhere.
// Every relative link in README.md and docs/*.md must name a file that exists and, with a #fragment, a
// heading of that file (GitHub's anchor rules: lower case, punctuation dropped, spaces to hyphens).

const ROOT = path.resolve(__dirname, '../..');
const DOCS = [path.join(ROOT, 'README.md'), ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f))];

function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = withoutCode(readFileSync(file, 'utf8'))
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => anchorOf(line.replace(/^#+ /, '')));
  return new Set(headings);
}

function linksOf(file: string): string[] {
  return [...withoutCode(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((link) => !/^[a-z]+:/.test(link));
}

describe('links in README.md and docs/', () => {
  it('has documents to check', () => {
    expect(DOCS.length).toBeGreaterThan(5);
  });

  it.each(DOCS.map((file) => [path.relative(ROOT, file), file]))('%s: every relative link and anchor resolves', (_name, file) => {
    const broken = linksOf(file).filter((link) => {
      const [target = '', fragment] = link.split('#');
      const resolved = target === '' ? file : path.resolve(path.dirname(file), target);
      if (!existsSync(resolved)) return true;
      return fragment !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(fragment);
    });
    expect(broken).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    expect(anchorOf('What was exercised here, and what was not')).toBe('what-was-exercised-here-and-what-was-not');
    expect(anchorOf('Backend API (private)')).toBe('backend-api-private');
  });
});
