// Python as Python: train.py's static code lives in src/export/python/*.py, never inside a
// TypeScript string. Every .py file under src/ compiles (py_compile), every one of them reaches
// some train.py, and the train.py of every method passes pyflakes (undefined names, unused
// imports and variables, redefinitions). The page's bundle carries the same files: the export
// built with the page's Vite configuration writes the same train.py, byte for byte, as Node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { pytorchExportFiles } from '../../src/export/pytorchExport';
import { PYTHON_FILES } from '../../src/export/pythonFiles';
import { PYTHON_FILES as BUNDLED_PYTHON_FILES } from '../../src/export/pythonFiles.browser';
import { PYTHON_LOSSES } from '../../src/export/pythonLosses';
import { architectureNetwork, networkFromModelJson } from '../../src/export/networks';
import { trainScript } from '../../src/export/trainScript';
import { getBuiltinDataset } from '../../src/data/registry';
import { METHODS } from '../../src/kd';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { PROJECT_ROOT, shippedTeacherDir } from '../../src/cli/nodeFiles';
import { LINT_PYTHON, PYTHON, reportMissingPyflakes } from './python';

const SRC = path.join(PROJECT_ROOT, 'src');
const PYTHON_DIR = path.join(SRC, 'export', 'python');

/** Files under `folder` whose names end with one of `endings`, as paths relative to it (with /), in order. */
function filesUnder(folder: string, endings: readonly string[]): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => endings.some((ending) => name.endsWith(ending)))
    .map((name) => name.split(path.sep).join('/'))
    .sort();
}

const teacherDir = shippedTeacherDir('digits-teacher-cnn');
const teacher = { modelJson: readFileSync(path.join(teacherDir, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(path.join(teacherDir, 'weights.bin'))) };

/** Every method alone, a recipe of several, and a run with every extra of the loop. */
const CONFIGS: [string, ExperimentConfig][] = [
  ...METHODS.map((method) => [method.id, withMethod(DEFAULT_CONFIG, method.id)] as [string, ExperimentConfig]),
  ['recipe', { ...DEFAULT_CONFIG, method: 'kd', terms: [{ method: 'fitnet', weight: 0.5, params: {} }, { method: 'vid', weight: 1, params: {} }, { method: 'rkd', weight: 1, params: {} }, { method: 'dkd', weight: 1, params: {} }] }],
  ['extras', { ...DEFAULT_CONFIG, emaDecay: 0.99, rdropAlpha: 1, ttaShift: 1, augment: true, optimizer: 'sgd', lrSchedule: 'cosine', weightDecay: 1e-4, omitClasses: [3] }],
];

type ExportFiles = typeof pytorchExportFiles;

function trainScripts(exportFiles: ExportFiles): [string, string][] {
  return CONFIGS.map(([name, config]) => {
    const script = exportFiles({ config, teacher, origin: `test ${name}` }).find((file) => file.path === 'train.py')!;
    return [name, new TextDecoder().decode(script.data)];
  });
}

const scripts = trainScripts(pytorchExportFiles);
/** What pyflakes reads: every train.py above, and one with every method's loss as a term (none's is in no exported train.py). */
const digits = getBuiltinDataset('digits');
const linted: [string, string][] = [...scripts, ['every-loss', trainScript({
  config: DEFAULT_CONFIG,
  dataset: digits,
  terms: METHODS.map((method) => ({ method: method.id, weight: 1, params: {}, studentLayers: [], teacherLayers: [] })),
  student: architectureNetwork(DEFAULT_CONFIG.student, digits.inputShape, digits.numClasses),
  teacher: networkFromModelJson(JSON.parse(teacher.modelJson)),
  peer: null,
  title: 'every loss',
})]];
const scratch = mkdtempSync(path.join(tmpdir(), 'lab-python-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('train.py\'s Python is in .py files', () => {
  it('no .ts file under src/ defines a Python function', () => {
    const offenders = filesUnder(SRC, ['.ts', '.tsx']).filter((file) => /^\s*def \w+\(/m.test(readFileSync(path.join(SRC, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('every .py file under src/ compiles', () => {
    const files = filesUnder(SRC, ['.py']).map((file) => path.join(SRC, file));
    expect(files.length).toBeGreaterThan(0);
    // The byte code goes to the scratch folder, not into __pycache__ folders beside the sources.
    const run = spawnSync(PYTHON, ['-m', 'py_compile', ...files], { encoding: 'utf8', env: { ...process.env, PYTHONPYCACHEPREFIX: scratch } });
    expect(run.error, `${PYTHON}: ${run.error?.message}`).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('are the files Node reads, and pyflakes reads each one in some script', () => {
    expect(Object.keys(PYTHON_FILES)).toEqual(filesUnder(PYTHON_DIR, ['.py']));
    for (const [file, text] of Object.entries(PYTHON_FILES)) {
      expect(text, file).toBe(readFileSync(path.join(PYTHON_DIR, file), 'utf8'));
      expect(linted.some(([, script]) => script.includes(text.trim())), `${file} is in no script`).toBe(true);
    }
  });

  it('losses/<id>.py defines loss_<id>, and parts_<id> exactly when the method has connectors', () => {
    for (const [id, loss] of Object.entries(PYTHON_LOSSES)) {
      expect(loss.source, id).toMatch(new RegExp(`^def loss_${id}\\(x, p\\):$`, 'm'));
      expect(/^def parts_\w+\(/m.test(loss.source), id).toBe(loss.parts);
    }
    expect(Object.entries(PYTHON_LOSSES).filter(([, loss]) => loss.parts).map(([id]) => id).sort()).toEqual(['afd', 'fitnet', 'mgd', 'vid']);
  });
});

reportMissingPyflakes('pyflakes on train.py');
describe.skipIf(!LINT_PYTHON)('train.py passes pyflakes (needs python3-pyflakes)', () => {
  it('for every method, a recipe and the loop\'s extras; every loss', () => {
    const files = linted.map(([name, script]) => {
      const file = path.join(scratch, `${name}.py`);
      writeFileSync(file, script);
      return file;
    });
    const run = spawnSync(LINT_PYTHON!, ['-m', 'pyflakes', ...files], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('the page\'s bundle', () => {
  it('holds the same Python files (Vite ?raw)', () => {
    expect(BUNDLED_PYTHON_FILES).toEqual(PYTHON_FILES);
  });

  it('writes the same train.py as Node, built with the page\'s Vite configuration', async () => {
    const outDir = path.join(scratch, 'bundle');
    await build({
      configFile: path.join(PROJECT_ROOT, 'vite.config.ts'),
      root: PROJECT_ROOT,
      logLevel: 'silent',
      build: {
        outDir,
        emptyOutDir: true,
        copyPublicDir: false,
        minify: false,
        lib: { entry: path.join(SRC, 'export', 'pytorchExport.ts'), formats: ['es'], fileName: 'export' },
      },
    });
    const bundle = readFileSync(path.join(outDir, 'export.js'), 'utf8');
    expect(bundle, 'the bundle reads nothing from disk').not.toMatch(/node:fs|readdirSync|readFileSync/);
    const bundled = (await import(pathToFileURL(path.join(outDir, 'export.js')).href)) as { pytorchExportFiles: ExportFiles };
    expect(trainScripts(bundled.pytorchExportFiles)).toEqual(scripts);
  });
});
