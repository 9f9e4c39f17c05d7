// The README and the pages under docs/ name files of this repository in code spans; a name that no
// longer points at a file is a stale document. This test reads README.md and docs/*.md and checks
// every such name, and every relative link (with its #anchor, against the target's headings as
// GitHub names them), against the working tree. It also keeps the README
// short: it is the front door, the detail lives in docs/.
//
// What counts as a path (inside inline code spans; fenced blocks hold commands and trees and are
// not read):
// - a word that starts with src/, test/, scripts/, docs/, public/, bench-results/ or .ci/ (words
//   are split on spaces, so the paths inside a command such as `node --import tsx scripts/x.ts`
//   count too; spaces after the commas of a {a, b} group are removed first);
// - a root file named by itself: package.json, package-lock.json, tsconfig.json, index.html,
//   bench.html, README.md, or any *.config.ts;
// - a bare source file name (`trainer.worker.ts`, `*.tsx`), which must exist at the root or
//   somewhere under src/, test/ or scripts/ (a short name used beside its folder).
// A trailing `:12`, `:12-20` or `#anchor` is a place in the file and is dropped, and so is trailing
// punctuation. Patterns: `<placeholder>` and `*` stand for any characters within one path
// segment, and at least one file must match (`src/kd/losses/<id>.ts`); `{a,b}` expands to each
// alternative, and each must exist (`bench-results/compare-digits.{csv,json}`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/cliKit';

const README_MAX_LINES = 250;

const PATH_PREFIXES = ['src/', 'test/', 'scripts/', 'docs/', 'public/', 'bench-results/', '.ci/'];
const ROOT_FILES = new Set(['package.json', 'package-lock.json', 'tsconfig.json', 'index.html', 'bench.html', 'README.md']);
const SOURCE_NAME = /^[\w.*<>-]+\.(ts|tsx|mjs|cjs)$/;
/** Folders a bare source file name may live in (besides the root). */
const SOURCE_ROOTS = ['src', 'test', 'scripts'];
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'test-results', 'logs']);

/** The documents under test: README.md and every docs/*.md, as [repository path, text]. */
function documents(root: string = ROOT): [string, string][] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((file) => [file, readFileSync(path.join(root, file), 'utf8')]);
}

/** The text outside fenced code blocks (``` or ~~~), line numbers kept (fenced lines blanked). */
function withoutFences(text: string): string[] {
  let fence: string | null = null;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === null || fence === marker)) {
      fence = fence === null ? marker : null;
      return '';
    }
    return fence === null ? line : '';
  });
}

/**
 * Inline code spans of a markdown text with the line each starts on (1-based). A span may run over
 * a line break (its line ending reads as a space), never over a blank line.
 */
function codeSpans(text: string): { line: number; code: string }[] {
  const prose = withoutFences(text).join('\n');
  const spans: { line: number; code: string }[] = [];
  // A span opens with a run of backticks and closes with a run of the same length.
  for (const match of prose.matchAll(/(`+)((?:(?!\n\s*\n)[\s\S])+?)(?<!`)\1(?!`)/g)) {
    const line = prose.slice(0, match.index).split('\n').length;
    spans.push({ line, code: match[2].replace(/\s*\n\s*/g, ' ').trim() });
  }
  return spans;
}

/** The words of a code span that name repository files, as written (before any expansion). */
function pathTokens(code: string): string[] {
  const joined = code.replace(/\{([^{}]*)\}/g, (_, inner: string) => `{${inner.replace(/,\s+/g, ',')}}`);
  return joined
    .split(/\s+/)
    .map((word) => word.replace(/^[("'[]+/, '').replace(/[)"'\],;.]+$/, ''))
    .map((word) => word.replace(/#.*$/, '').replace(/:\d+(-\d+)?$/, ''))
    .filter((word) => word !== '' && isPathLike(word));
}

function isPathLike(word: string): boolean {
  if (word.includes('://')) return false;
  if (PATH_PREFIXES.some((prefix) => word.startsWith(prefix))) return true;
  if (word.includes('/')) return false;
  return ROOT_FILES.has(word) || word.endsWith('.config.ts') || SOURCE_NAME.test(word);
}

/** `{a,b}` groups expanded (each alternative is a path of its own). */
function expandBraces(token: string): string[] {
  const match = /\{([^{}]*)\}/.exec(token);
  if (!match) return [token];
  const head = token.slice(0, match.index);
  const tail = token.slice(match.index + match[0].length);
  return match[1].split(',').flatMap((alternative) => expandBraces(`${head}${alternative}${tail}`));
}

/** A path segment with `<placeholder>` or `*` in it, as a regular expression over one segment. */
function segmentPattern(segment: string): RegExp | null {
  if (!/[<*]/.test(segment)) return null;
  const parts = segment.split(/(<[^<>]*>|\*)/).map((part) => (part === '*' || /^<[^<>]*>$/.test(part) ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`);
}

function isDirectory(full: string): boolean {
  try {
    return statSync(full).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a repository path (possibly with `<placeholder>` / `*` segments) names at least one file or folder. */
function pathExists(relative: string, root: string = ROOT): boolean {
  const segments = relative.replace(/\/+$/, '').split('/');
  let candidates = [root];
  for (const segment of segments) {
    const pattern = segmentPattern(segment);
    candidates = candidates.flatMap((dir) => {
      if (!pattern) return existsSync(path.join(dir, segment)) ? [path.join(dir, segment)] : [];
      if (!isDirectory(dir)) return [];
      return readdirSync(dir)
        .filter((name) => pattern.test(name))
        .map((name) => path.join(dir, name));
    });
    if (candidates.length === 0) return false;
  }
  // A path written with a trailing slash names a folder.
  return relative.endsWith('/') ? candidates.some(isDirectory) : true;
}

/** Every file name under `dir` (recursively), skipping build outputs and dependencies. */
function fileNames(dir: string, into: Set<string> = new Set()): Set<string> {
  if (!isDirectory(dir)) return into;
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name)) continue;
    const full = path.join(dir, name);
    if (isDirectory(full)) fileNames(full, into);
    else into.add(name);
  }
  return into;
}

let sourceNames: Set<string> | null = null;

/** Whether a token names an existing file: a repository path, a root file, or a bare source file name. */
function tokenExists(token: string, root: string = ROOT): boolean {
  return expandBraces(token).every((candidate) => {
    if (candidate.includes('/') || ROOT_FILES.has(candidate)) return pathExists(candidate, root);
    if (pathExists(candidate, root)) return true;
    const names = (sourceNames ??= new Set(SOURCE_ROOTS.flatMap((dir) => [...fileNames(path.join(root, dir))])));
    const pattern = segmentPattern(candidate);
    return pattern ? [...names].some((name) => pattern.test(name)) : names.has(candidate);
  });
}

/** Relative link targets of a markdown text ([text](target), ![alt](target)), outside code, with their #anchor ('' when none). */
function relativeLinks(text: string): { line: number; target: string; anchor: string }[] {
  const links: { line: number; target: string; anchor: string }[] = [];
  withoutFences(text).forEach((line, index) => {
    const prose = line.replace(/`+[^`]*`+/g, '');
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf('#');
      links.push({ line: index + 1, target: decodeURI(hash < 0 ? target : target.slice(0, hash)), anchor: hash < 0 ? '' : target.slice(hash + 1) });
    }
  });
  return links;
}

/** The anchors of a markdown text's headings, as GitHub makes them (punctuation dropped, spaces to hyphens, repeats numbered). */
function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutFences(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe('paths in README.md and docs/*.md', () => {
  const docs = documents();

  it('reads the README and the docs pages, and finds paths in them (the check is not vacuous)', () => {
    expect(docs.map(([file]) => file)).toContain('docs/ARCHITECTURE.md');
    const tokens = docs.flatMap(([, text]) => codeSpans(text).flatMap((span) => pathTokens(span.code)));
    expect(tokens.length).toBeGreaterThan(50);
    expect(tokens.some((token) => token.startsWith('test/'))).toBe(true);
    expect(tokens.some((token) => token.startsWith('src/kd/'))).toBe(true);
  });

  it('extracts paths as the rule says', () => {
    expect(codeSpans('a `src/a.ts:12` b ``x `y` z`` c\n```\n`src/fenced.ts`\n```\n`.ci/run` and `apt-get install\n  python3-torch` (`scripts/bench.ts`)')).toEqual([
      { line: 1, code: 'src/a.ts:12' },
      { line: 1, code: 'x `y` z' },
      { line: 5, code: '.ci/run' },
      { line: 5, code: 'apt-get install python3-torch' },
      { line: 6, code: 'scripts/bench.ts' },
    ]);
    expect(codeSpans('an open ` tick\n\nthen `src/a.ts`')).toEqual([{ line: 3, code: 'src/a.ts' }]);
    expect(pathTokens('node --import tsx scripts/bench.ts [FILE]')).toEqual(['scripts/bench.ts']);
    expect(pathTokens('src/a.ts:12')).toEqual(['src/a.ts']);
    expect(pathTokens('docs/ARCHITECTURE.md#3-the-worker-protocol')).toEqual(['docs/ARCHITECTURE.md']);
    expect(pathTokens('public/teachers/<id>/{model.json, weights.bin}')).toEqual(['public/teachers/<id>/{model.json,weights.bin}']);
    expect(pathTokens('npm test')).toEqual([]);
    expect(pathTokens('model.json')).toEqual([]);
    expect(pathTokens('vite.config.ts')).toEqual(['vite.config.ts']);
    expect(pathTokens('https://example.org/src/x.ts')).toEqual([]);
    expect(expandBraces('bench-results/compare-digits.{csv,json}')).toEqual(['bench-results/compare-digits.csv', 'bench-results/compare-digits.json']);
  });

  it.each([
    ['src/kd/methods.ts', true],
    ['src/kd/method.ts', false],
    ['src/kd/losses/<id>.ts', true],
    ['src/kd/nothing/<id>.ts', false],
    ['test/kd/losses/*.test.ts', true],
    ['public/teachers/<id>/{model.json,weights.bin,card.json}', true],
    ['public/teachers/<id>/{model.json,weights.json}', false],
    ['src/train/results.ts', false],
    ['package.json', true],
    ['trainer.worker.ts', true],
    ['client.ts', false],
    ['src/kd/methods.ts/', false],
  ] as const)('finds %s: %s (a wrong path fails, a pattern needs a match)', (token, exists) => {
    expect(tokenExists(token)).toBe(exists);
  });

  it.each(docs.map(([file]) => file))('every backticked path in %s exists', (file) => {
    const text = docs.find(([name]) => name === file)![1];
    const missing = codeSpans(text).flatMap((span) =>
      pathTokens(span.code)
        .filter((token) => !tokenExists(token))
        .map((token) => `${file}:${span.line}: \`${token}\``),
    );
    expect(missing, `paths that do not exist:\n${missing.join('\n')}`).toEqual([]);
  });

  it.each(docs.map(([file]) => file))('every relative link in %s resolves, to a heading that exists when it names one', (file) => {
    const text = docs.find(([name]) => name === file)![1];
    const base = path.posix.dirname(file);
    const broken = relativeLinks(text).flatMap(({ line, target, anchor }) => {
      const full = target === '' ? path.join(ROOT, file) : path.join(ROOT, base, target);
      if (!existsSync(full)) return [`${file}:${line}: (${target}) does not exist`];
      if (anchor === '' || !full.endsWith('.md')) return [];
      return headingAnchors(readFileSync(full, 'utf8')).has(anchor) ? [] : [`${file}:${line}: (${target}#${anchor}) names no heading there`];
    });
    expect(broken, `links that lead nowhere:\n${broken.join('\n')}`).toEqual([]);
  });

  it('makes heading anchors as GitHub does', () => {
    const anchors = headingAnchors('# A b\n## 4.1 The loss API (`src/kd/index.ts`)\n```\n# not a heading\n```\n### A b\n## What distillation does: the classroom demos');
    expect([...anchors]).toEqual(['a-b', '41-the-loss-api-srckdindexts', 'a-b-1', 'what-distillation-does-the-classroom-demos']);
  });
});

describe('README.md', () => {
  it(`is at most ${README_MAX_LINES} lines: the front door; the detail is in docs/`, () => {
    const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
