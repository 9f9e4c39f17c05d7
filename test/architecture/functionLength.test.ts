// Short functions (docs/ARCHITECTURE.md §1): no function in src/ is longer than MAX_LINES, counted
// from the line of its first character to the line of its closing brace, inner closures included.
// The source is parsed (Vite's parser, TypeScript and JSX), so strings and comments cannot fool it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAst } from 'vite';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/cliKit';

const MAX_LINES = 120;
const SRC = path.join(ROOT, 'src');
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

interface Node {
  type: string;
  start: number;
  end: number;
  id?: { name?: string } | null;
  key?: { name?: string };
  [field: string]: unknown;
}

export interface FunctionLength {
  name: string;
  line: number;
  lines: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every function of a TypeScript (or TSX) source with its first line and its length in lines. */
export function functionLengths(text: string, tsx: boolean): FunctionLength[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  const found: FunctionLength[] = [];
  const visit = (value: unknown, name: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, name);
      return;
    }
    if (!value || typeof value !== 'object' || typeof (value as Node).type !== 'string') return;
    const node = value as Node;
    let own = name;
    if (node.type === 'VariableDeclarator' && node.id?.name) own = node.id.name;
    if ((node.type === 'MethodDefinition' || node.type === 'Property') && node.key?.name) own = node.key.name;
    if (FUNCTIONS.has(node.type)) {
      const line = lineOf(node.start);
      found.push({ name: node.id?.name ?? own, line, lines: lineOf(Math.max(node.start, node.end - 1)) - line + 1 });
    }
    for (const [field, child] of Object.entries(node)) if (field !== 'type') visit(child, own);
  };
  visit(parseAst(text, { lang: tsx ? 'tsx' : 'ts' } as Parameters<typeof parseAst>[1]), '(anonymous)');
  return found;
}

describe('function length', () => {
  it('measures a function from its first line to its closing brace, inner closures included', () => {
    const text = ['export function outer() {', '  const inner = () => {', '    return 1;', '  };', '  return inner();', '}', 'const short = (x: number) => x;', ''].join('\n');
    expect(functionLengths(text, false)).toEqual([
      { name: 'outer', line: 1, lines: 6 },
      { name: 'inner', line: 2, lines: 3 },
      { name: 'short', line: 7, lines: 1 },
    ]);
    expect(functionLengths('function View() {\n  return <p>{"}"}</p>;\n}\n', true)).toEqual([{ name: 'View', line: 1, lines: 3 }]);
  });

  it(`no function in src/ is longer than ${MAX_LINES} lines`, () => {
    const tooLong = sourceFiles(SRC).flatMap((file) =>
      functionLengths(readFileSync(file, 'utf8'), file.endsWith('.tsx'))
        .filter((fn) => fn.lines > MAX_LINES)
        .map((fn) => `${path.relative(ROOT, file)}:${fn.line} ${fn.name} (${fn.lines} lines)`),
    );
    expect(tooLong).toEqual([]);
  });
});
