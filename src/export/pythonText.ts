// The one way user text (a model's or a layer's name, a path, the command line, a Compare row's
// label) reaches the exported files (docs/ARCHITECTURE.md §4.5): escaped as the body of a
// double-quoted Python string literal. Everything outside printable ASCII is escaped, so the body
// holds no quote, no newline and no lone backslash: it cannot close a string, a docstring, a
// comment or a Markdown code span, and Python reads it back as exactly the text it was given.

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0');

/**
 * `text` as the inside of a Python string literal: `\\` and `\"`, `\n` `\r` `\t`, `\uXXXX` for every
 * other code point below U+10000 outside printable ASCII (control characters, non-ASCII, lone
 * surrogates) and `\UXXXXXXXX` above it (Python does not join a surrogate pair written as two
 * `\u` escapes). The result is printable ASCII.
 */
export function escapePythonText(text: string): string {
  let body = '';
  // for...of walks code points; a lone surrogate comes as itself.
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') body += `\\${char}`;
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (char === '\t') body += '\\t';
    else if (code >= 0x20 && code < 0x7f) body += char;
    else body += code > 0xffff ? `\\U${hex(code, 8)}` : `\\u${hex(code, 4)}`;
  }
  return body;
}

/** A Python string literal whose value is exactly `text`. */
export function pythonString(text: string): string {
  return `"${escapePythonText(text)}"`;
}

/**
 * A plain JSON value (as JSON.parse gives it) as a Python literal: dicts, lists, strings, numbers,
 * True / False / None, the value json.loads would give, readable in train.py. Lists of plain values
 * stay on one line; `indent` is the nesting depth. Anything else (NaN, undefined, a function) throws.
 */
export function pythonLiteral(value: unknown, indent = 0): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} has no Python literal`);
    return JSON.stringify(value);
  }
  const pad = '    '.repeat(indent + 1);
  const close = '    '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) return `[${value.map((item) => pythonLiteral(item)).join(', ')}]`;
    return `[\n${value.map((item) => `${pad}${pythonLiteral(item, indent + 1)},`).join('\n')}\n${close}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([key, item]) => `${pad}${pythonString(key)}: ${pythonLiteral(item, indent + 1)},`).join('\n')}\n${close}}`;
  }
  throw new Error(`a ${typeof value} has no Python literal`);
}
