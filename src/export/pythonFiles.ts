// The static Python of train.py (src/export/python/: the runtime, each method's loss, their
// helpers) as text, by path under python/ ("runtime/prelude.py", "losses/kd.py"). Node (the CLI,
// the tests, the scripts) reads the files from disk beside this module; the page's build bundles
// them instead: vite.config.ts puts pythonFiles.browser.ts in this module's place. The files hold
// no user text: that reaches train.py only through pythonText.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('./python/', import.meta.url));

/** Every .py file under src/export/python/, by its path there (with /), in path order. */
export const PYTHON_FILES: Readonly<Record<string, string>> = Object.fromEntries(
  readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.py'))
    .map((name) => name.split(path.sep).join('/'))
    .sort()
    .map((name) => [name, readFileSync(path.join(folder, name), 'utf8')]),
);
