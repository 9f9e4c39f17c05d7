// pythonFiles.ts for the page: the same files, bundled as text by Vite (`?raw`), so the export
// needs no request. vite.config.ts resolves imports of pythonFiles.ts to this module.
const bundled = import.meta.glob<string>('./python/**/*.py', { query: '?raw', import: 'default', eager: true });

/** Every .py file under src/export/python/, by its path there (with /), in path order. */
export const PYTHON_FILES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(bundled)
    .map(([name, text]) => [name.slice('./python/'.length), text] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);
