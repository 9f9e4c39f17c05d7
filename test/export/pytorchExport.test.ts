// The export's folder for every method: train.py is valid Python that carries the run's terms as
// the registry resolves them (read back by Python), config.json is the configuration, the weights go where model.json
// says; configurations it cannot reproduce are refused with the reason; the CLI takes the flag.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportProblem, pytorchExportFiles } from '../../src/export/pytorchExport';
import { METHODS } from '../../src/kd';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { parseArgs } from '../../src/cli/args';
import { shippedTeacherDir } from '../../src/cli/nodeFiles';
import { refusal } from '../cli/cliKit';
import { pythonConstants } from './python';

const teacherDir = shippedTeacherDir('digits-teacher-cnn');
const teacher = { modelJson: readFileSync(path.join(teacherDir, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(path.join(teacherDir, 'weights.bin'))) };
const decode = (data: Uint8Array) => new TextDecoder().decode(data);

function configs(): [string, ExperimentConfig][] {
  const single = METHODS.map((method) => [method.id, withMethod(DEFAULT_CONFIG, method.id)] as [string, ExperimentConfig]);
  return [
    ...single,
    ['recipe', { ...DEFAULT_CONFIG, method: 'kd', terms: [{ method: 'kd', weight: 0.9, params: { temperature: 4 } }, { method: 'irg', weight: 1, params: {}, studentLayers: ['block1', 'block2', 'embedding'], teacherLayers: ['block1', 'block2', 'embedding'] }] }],
    ['extras', { ...DEFAULT_CONFIG, emaDecay: 0.99, rdropAlpha: 1, ttaShift: 1, augment: true, optimizer: 'sgd', lrSchedule: 'cosine', weightDecay: 1e-4, omitClasses: [3] }],
  ];
}

describe('the PyTorch export folder', () => {
  it('writes a train.py that compiles for every method, with the terms the registry resolves', () => {
    const exports = configs().map(([name, config]) => {
      const files = pytorchExportFiles({ config, teacher });
      return { name, config, byPath: new Map(files.map((file) => [file.path, file.data])) };
    });
    const read = pythonConstants(exports.map(({ byPath }) => decode(byPath.get('train.py')!)), ['TERMS', 'RUN']);
    for (const [i, { name, config, byPath }] of exports.entries()) {
      expect(JSON.parse(decode(byPath.get('config.json')!)), name).toEqual(config);
      const script = decode(byPath.get('train.py')!);
      const constants = read[i];
      expect(constants.RUN, `${name}: train.py's RUN is config.json`).toEqual(config);
      const terms = constants.TERMS as { method: string; mixing: string; params: Record<string, number>; studentLayers: string[] }[];
      const expected = config.terms ? config.terms.map((t) => t.method) : config.method === 'none' ? [] : [config.method];
      expect(terms.map((t) => t.method), name).toEqual(expected);
      for (const term of terms) {
        const spec = METHODS.find((m) => m.id === term.method)!;
        expect(term.mixing).toBe(spec.mixing);
        expect(Object.keys(term.params).sort(), `${name}: every parameter, defaults filled in`).toEqual(spec.params.map((p) => p.name).sort());
        expect(script).toContain(`def loss_${term.method}(x, p):`);
        if (spec.layers.reads !== 'logits') expect(term.studentLayers.length, `${name}: layers resolved`).toBeGreaterThan(0);
      }
      expect(byPath.has('teacher/model.json') && byPath.has('teacher/weights.bin'), name).toBe(config.method !== 'none' && METHODS.find((m) => m.id === config.method)!.kind !== 'mutual');
    }
  });

  it('refuses what it cannot reproduce, saying why', () => {
    expect(exportProblem({ ...DEFAULT_CONFIG, dataset: 'cifar' })).toMatch(/dataset "cifar"/);
    // A user's dataset is named after its file: the name is quoted, a terminal escape in it escaped.
    expect(exportProblem({ ...DEFAULT_CONFIG, dataset: 'upload:x\x1b[2J' })).toBe('The dataset "upload:x\\u001b[2J" is not one the export knows how to read');
    expect(exportProblem({ ...DEFAULT_CONFIG, lr: -1 })).toMatch(/Learning rate/);
    expect(() => pytorchExportFiles({ config: DEFAULT_CONFIG })).toThrow(/teacher's files/);
    // The weights file is written beside teacher/model.json under the name the manifest gives: a plain name, never "." or "..".
    for (const name of ['..', '.', '../w.bin', 'a/b.bin']) {
      const renamed = JSON.parse(teacher.modelJson);
      renamed.weightsManifest[0].paths = [name];
      expect(() => pytorchExportFiles({ config: DEFAULT_CONFIG, teacher: { ...teacher, modelJson: JSON.stringify(renamed) } }), name).toThrow(/weights file name .* is not a plain file name/);
    }
    expect(() => pytorchExportFiles({ config: { ...withMethod(DEFAULT_CONFIG, 'mgd'), studentLayers: ['block1'], teacherLayers: ['embedding'] }, teacher })).toThrow(/feature maps/);
  });

  it('is a CLI flag', () => {
    expect(parseArgs(['--export-pytorch', 'out']).exportPytorch).toBe('out');
    expect(refusal(['--export-pytorch'])).toMatch(/--export-pytorch needs a value/);
  });
});
