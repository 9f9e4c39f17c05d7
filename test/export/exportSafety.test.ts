// User text in the export is data, never code (docs/ARCHITECTURE.md §4.5): hostile model names,
// layer names, paths and command lines ("""  '''  \N  a trailing \  newlines  NUL  lone
// surrogates  {}  %s  unicode) go through the real export code path; Python compiles train.py,
// reads each of them back exactly where it is shown, runs `train.py --help` (and one whole run)
// without executing anything of them, and the README shows them inside code spans.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetFilePaths, pytorchExportFiles, type ExportFile } from '../../src/export/pytorchExport';
import { networkFromModelJson } from '../../src/export/networks';
import { pythonName, RESERVED_ATTRIBUTES } from '../../src/export/networkModules';
import { escapePythonText, pythonLiteral, pythonString } from '../../src/export/pythonText';
import { writeExportFiles } from '../../src/cli/pytorchExport';
import { parseArgs } from '../../src/cli/args';
import { runCli } from '../../src/cli/run';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { PUBLIC_DIR, shippedTeacherDir } from '../../src/cli/nodeFiles';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { pythonConstants, reportMissingTorch, runPython, TORCH_PYTHON } from './python';

const folder = mkdtempSync(path.join(tmpdir(), 'lab-export-safety-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** What the injected code would create: it must never exist. */
const SENTINEL = path.join(folder, 'PWNED');
const touch = `__import__("os").system("touch ${SENTINEL}")`;

const HOSTILE = [
  `x"""; ${touch}; """`,
  `'''; ${touch}; '''`,
  'two\nlines\r\n# comment\u2028\u2029\x0b\x0c\x1c',
  'nul\x00 bell\x07 esc\x1b[2J del\x7f csi\x9b',
  'lone \ud800 high, lone \udfff low, a pair \ud83d\ude00',
  '{} {0} %s %(prog)s %% `code` ``` ${x}',
  'unicode é 漢字 \u202e bidi \ufeff',
  '\\N{LATIN SMALL LETTER A} \\x41 \\u0041 \\',
];
const ALL = HOSTILE.join(' | ');

const decode = (data: Uint8Array) => new TextDecoder().decode(data);
const teacherDir = shippedTeacherDir('digits-teacher-cnn');
const shipped = { modelJson: readFileSync(path.join(teacherDir, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(path.join(teacherDir, 'weights.bin'))) };
const datasetFiles: ExportFile[] = datasetFilePaths('digits').map(({ name, path: file }) => ({ path: name, data: new Uint8Array(readFileSync(path.join(PUBLIC_DIR, file))) }));

type Json = Record<string, unknown> & { modelTopology: { config: { name: string; layers: { name: string; config: { name: string }; inbound_nodes: unknown[][][] }[]; input_layers: unknown[][]; output_layers: unknown[][] } }; weightsManifest: { weights: { name: string }[] }[] };

/** The shipped Digits teacher with the model and its layers renamed (weights and links follow). */
function renamedTeacher(modelName: string, names: Record<string, string>): string {
  const json = JSON.parse(shipped.modelJson) as Json;
  const config = json.modelTopology.config;
  const rename = (name: string) => names[name] ?? name;
  const relink = (links: unknown[][]) => links.map(([from, ...rest]) => [rename(from as string), ...rest]);
  config.name = modelName;
  for (const layer of config.layers) {
    layer.name = layer.config.name = rename(layer.name);
    layer.inbound_nodes = layer.inbound_nodes.map(relink);
  }
  config.input_layers = relink(config.input_layers);
  config.output_layers = relink(config.output_layers);
  for (const weight of json.weightsManifest[0].weights) weight.name = weight.name.replace(/^[^/]+/, rename);
  return JSON.stringify(json);
}

/** Lone surrogates as Python prints them with errors="backslashreplace". */
const asPrinted = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

interface Case {
  name: string;
  modelName: string;
  layers: Record<string, string>;
  origin: string;
  config: ExperimentConfig;
}

const atConfig = (teacherLayers: string[]): ExperimentConfig => ({
  ...withMethod(DEFAULT_CONFIG, 'at'),
  teacher: `teachers/${ALL}`,
  studentLayers: ['block1', 'block2'],
  teacherLayers,
  trainLimit: 64,
  valLimit: 40,
  testLimit: 40,
  batchSize: 32,
  epochs: 1,
  evalEvery: 1000,
});

const CASES: Case[] = [
  {
    name: 'the name of the issue, every hostile text in the command line',
    modelName: HOSTILE[0],
    layers: { block1: HOSTILE[1], block2: HOSTILE[2], pool2: HOSTILE[3], flatten: HOSTILE[4], embedding: HOSTILE[5], dropout: HOSTILE[6], logits: HOSTILE[7] },
    origin: `npm run train -- --teacher ${ALL} --json ${ALL}`,
    config: atConfig([HOSTILE[1], HOSTILE[2]]),
  },
  {
    name: 'every hostile text in the name (ending in a backslash), layers named as Python keywords and torch.nn.Module members',
    modelName: ALL,
    layers: { block1: 'class', block2: 'eval', pool2: '_private', flatten: 'forward', embedding: 'None', dropout: 'training', logits: 'state_dict' },
    origin: HOSTILE[1],
    config: atConfig(['class', 'eval']),
  },
];

function exportCase(testCase: Case): { files: ExportFile[]; text: (file: string) => string } {
  const files = pytorchExportFiles({ config: testCase.config, teacher: { modelJson: renamedTeacher(testCase.modelName, testCase.layers), weights: shipped.weights }, datasetFiles, origin: testCase.origin });
  return { files, text: (file) => decode(files.find((candidate) => candidate.path === file)!.data) };
}

/** The text of the first Markdown code span after `before` on a line, and its fence. */
function codeSpan(markdown: string, before: string): { fence: string; body: string } {
  const at = markdown.indexOf(before);
  expect(at, before).toBeGreaterThanOrEqual(0);
  const [, fence, body] = /^(`+)(.*?)\1(?!`)/.exec(markdown.slice(at + before.length))!;
  return { fence, body };
}

describe('the Python string writer', () => {
  it('writes printable ASCII that Python reads back as exactly the text, whatever it holds', () => {
    const texts = [...HOSTILE, ALL, '', '"', '\\', '\\\\"', '"""', "'''", '\ud83d', '\ude00\ud83d', '\u{10ffff}'];
    for (const text of texts) expect(pythonString(text), JSON.stringify(text)).toMatch(/^"[\x20-\x7e]*"$/);
    const value = { texts, nested: [{ [ALL]: [1, -0.5, 1e-7, 1e21, true, false, null] }], [HOSTILE[0]]: {} };
    const script = [...texts.map((text, i) => `T${i} = ${pythonString(text)}`), `V = ${pythonLiteral(value)}`, `class C:\n    """${escapePythonText(ALL)}"""`].join('\n');
    const [read] = pythonConstants([script], [...texts.map((_, i) => `T${i}`), 'V', 'C.__doc__']);
    texts.forEach((text, i) => expect(read[`T${i}`], JSON.stringify(text)).toBe(text));
    expect(read.V).toEqual(value);
    expect(read['C.__doc__']).toBe(ALL);
  });

  it('refuses what has no literal rather than writing something else', () => {
    expect(() => pythonLiteral(Number.NaN)).toThrow(/no Python literal/);
    expect(() => pythonLiteral(undefined)).toThrow(/no Python literal/);
  });

  it('makes attributes of layer names that are keywords, underscore names or torch.nn.Module members', () => {
    expect(['class', 'eval', '_private', 'forward', 'None', '1x', 'a b'].map(pythonName)).toEqual(['layer_class', 'layer_eval', 'layer__private', 'layer_forward', 'layer_None', 'layer_1x', 'a_b']);
    expect(pythonName('block1')).toBe('block1');
  });
});

describe('hostile names and paths in the export', () => {
  for (const testCase of CASES) {
    it(`stay data in train.py, config.json and the README: ${testCase.name}`, () => {
      const { text } = exportCase(testCase);
      const script = text('train.py');
      expect(script, 'train.py is printable ASCII apart from the lab\'s own text').not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202e\ufeff]/);
      const [read] = pythonConstants([script], ['TITLE', 'RUN', 'TEACHER_TAPS', 'TAP_SHAPES', 'TERMS', 'Teacher.NAME', 'Teacher.__doc__', 'Teacher.LOGITS', 'Teacher.EMBEDDING']);
      expect(read['Teacher.NAME']).toBe(testCase.modelName);
      expect(read['Teacher.__doc__'], 'no user text in a docstring').toBe('The teacher as its model.json describes it (NAME: the name it gives the model); frozen, in eval mode.');
      expect(read.TITLE).toBe(`${testCase.origin}: tiny-cnn on Digits 8×8, method at, seed 1`);
      expect(read.RUN).toEqual(testCase.config);
      expect(read.TEACHER_TAPS).toEqual(testCase.config.teacherLayers);
      expect((read.TERMS as { teacherLayers: string[] }[])[0].teacherLayers).toEqual(testCase.config.teacherLayers);
      expect(Object.keys((read.TAP_SHAPES as { teacher: object }).teacher)).toEqual(Object.values(testCase.layers));
      expect(read['Teacher.LOGITS']).toBe(testCase.layers.logits);
      expect(read['Teacher.EMBEDDING']).toBe(testCase.layers.embedding);
      expect(JSON.parse(text('config.json'))).toEqual(testCase.config);
      // The README: user text only inside code spans that nothing in it can close, on the line it belongs to.
      const readme = text('README.md');
      const benign = exportCase({ ...testCase, origin: 'x', layers: {}, modelName: 'm', config: atConfig(['block1', 'block2']) }).text('README.md');
      expect(readme.split('\n').length).toBe(benign.split('\n').length);
      for (const [before, shown] of [['From ', testCase.origin], ['← teacher ', testCase.config.teacherLayers!.join(',')]]) {
        const span = codeSpan(readme, before);
        expect(span.body.trim()).toBe(escapePythonText(shown));
        expect(span.body).not.toContain(span.fence);
      }
      expect(readme).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]/);
    });
  }

  it('refuses a model.json whose sizes or names are not what they claim, naming the field', () => {
    const edited = (edit: (json: Json & { modelTopology: { config: { layers: Record<string, unknown>[] } } }) => void) => {
      const json = JSON.parse(shipped.modelJson);
      edit(json);
      return () => networkFromModelJson(json);
    };
    const config = (i: number) => (json: { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } }) => json.modelTopology.config.layers[i].config;
    expect(edited((json) => (config(1)(json).filters = `1, 1); ${touch}; (`))).toThrow(/^model\.json: layer "block1": filters must be a whole number above 0 \(got "1, 1\); __import__/);
    expect(edited((json) => (config(5)(json).units = 2.5))).toThrow(/^model\.json: layer "embedding": units must be a whole number above 0 \(got 2\.5\)$/);
    expect(edited((json) => (config(6)(json).rate = '0.3'))).toThrow(/^model\.json: layer "dropout" \(Dropout\) has rate "0\.3"; a dropout rate is a number in \[0, 1\)$/);
    expect(edited((json) => (config(1)(json).kernel_size = ['3\n', '3\n']))).toThrow(/only square sizes of whole numbers can be exported \(got "\[\\"3\\\\n\\"/);
    expect(edited((json) => (config(0)(json).batch_input_shape = [null, 8, '8 ', 1]))).toThrow(/^model\.json: the input's width must be a whole number above 0 \(got "8 "\)$/);
    expect(edited((json) => (json.modelTopology.config.layers[2].name = 7 as unknown as string))).toThrow(/^model\.json: layer 2 has no name/);
  });
});

reportMissingTorch('the hostile exports run by Python');
describe.skipIf(!TORCH_PYTHON)('hostile exports in Python (needs torch)', () => {
  it('train.py --help prints each title as it is and executes nothing of it; a whole run reads the renamed teacher', async () => {
    const dirs: string[] = [];
    for (const testCase of CASES) {
      const dir = path.join(folder, `export-${dirs.length}`);
      dirs.push(dir);
      await writeExportFiles(dir, exportCase(testCase).files, false);
      const help = spawnSync(TORCH_PYTHON!, ['train.py', '--help'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toContain(asPrinted(`${testCase.origin}: tiny-cnn on Digits 8×8, method at, seed 1`));
      expect(help.stdout).toContain('--redirects 1 --tee 1 train.py');
    }
    // The second export's teacher has layers named class, eval, _private, forward, None, training,
    // state_dict: one epoch converts its weights, runs it in eval mode and reads its taps by name.
    const run = spawnSync(TORCH_PYTHON!, ['train.py', '--threads', '1', '--out', 'run'], { cwd: dirs[1], encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dirs[1], 'run', 'results.json'), 'utf8')).steps).toBe(2);
    expect(existsSync(SENTINEL), 'the hostile text ran as code').toBe(false);
  });

  it('the issue\'s command: a teacher named x"""; ... and a --json path with """ and \\N export a train.py whose --help runs nothing', async () => {
    const teacher = path.join(folder, 'T');
    mkdirSync(teacher);
    writeFileSync(path.join(teacher, 'model.json'), renamedTeacher(HOSTILE[0], {}));
    writeFileSync(path.join(teacher, 'weights.bin'), shipped.weights);
    const exported = path.join(folder, 'E');
    const json = path.join(folder, `r"""\\N${HOSTILE[0]}.json`);
    const argv = ['--dataset', 'digits', '--epochs', '1', '--train-limit', '200', '--teacher', teacher, '--export-pytorch', exported, '--json', json, '--quiet'];
    installFastCpuKernels();
    const { result, saveFailure } = await runCli(parseArgs(argv), argv);
    expect(saveFailure).toBeNull();
    expect(result.status).toBe('done');
    const help = spawnSync(TORCH_PYTHON!, ['train.py', '--help'], { cwd: exported, encoding: 'utf8', timeout: 120_000 });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain(`npm run train -- ${argv.join(' ')}: tiny-cnn on Digits 8×8, method kd, seed 1`);
    const [read] = pythonConstants([readFileSync(path.join(exported, 'train.py'), 'utf8')], ['Teacher.NAME']);
    expect(read['Teacher.NAME']).toBe(HOSTILE[0]);
    expect(existsSync(SENTINEL), 'the hostile text ran as code').toBe(false);
  });

  it('the reserved attribute names cover torch.nn.Module\'s public members in the installed torch', () => {
    const members = runPython<string[]>('import json, torch.nn as nn\nprint(json.dumps([n for n in dir(nn.Module) if not n.startswith("_")] + ["training"]))', null);
    expect(members.filter((name) => !RESERVED_ATTRIBUTES.has(name))).toEqual([]);
  });
});
