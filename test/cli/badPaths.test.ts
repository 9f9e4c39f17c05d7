// Where the CLI writes and what it reads: --save and --json are checked before training (one line
// naming the flag and the path), a failed --save keeps the --json result, and a bad --teacher
// folder is named without echoing its bytes. The CLI runs through its entry in this process
// (exit code, captured stderr); the runs that get past the flags use --backend cpu.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJsonFile, checkSaveFolder } from '../../src/cli/nodeFiles';
import { cliInProcess, rejection as refusal } from './cliKit';
import { garbageBytes } from '../models/modelCorpus';

let dir: string;
let plainFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-paths-'));
  plainFile = path.join(dir, 'plain.txt');
  await writeFile(plainFile, 'not a folder');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const QUICK = ['--dataset', 'digits', '--method', 'none', '--student', 'mlp', '--epochs', '1', '--train-limit', '128', '--test-limit', '64', '--backend', 'cpu'];

describe('checkSaveFolder and checkJsonFile', () => {
  it('refuse a --save under a plain file, naming the flag, the path and the file in the way', async () => {
    const save = path.join(plainFile, 'model');
    expect(await refusal(checkSaveFolder(save))).toBe(`--save ${save}: ${plainFile} is a file, not a folder`);
    expect(await refusal(checkSaveFolder(plainFile))).toBe(`--save ${plainFile}: it is a file, not a folder`);
  });

  it('refuse a --json that names a folder, sits in a missing folder or under a plain file', async () => {
    expect(await refusal(checkJsonFile(dir))).toBe(`--json ${dir}: it is a folder; give a file name, such as ${path.join(dir, 'result.json')}`);
    const missing = path.join(dir, 'no', 'such', 'result.json');
    expect(await refusal(checkJsonFile(missing))).toBe(`--json ${missing}: folder ${path.join(dir, 'no', 'such')} does not exist (${dir} does)`);
    const underFile = path.join(plainFile, 'result.json');
    expect(await refusal(checkJsonFile(underFile))).toBe(`--json ${underFile}: ${plainFile} is a file, not a folder`);
  });

  it('refuse /proc/x for both, by trying to write there (it never hangs)', async () => {
    expect(await refusal(checkSaveFolder('/proc/x'))).toMatch(/^--save \/proc\/x: cannot write in \/proc \(/);
    expect(await refusal(checkJsonFile('/proc/x'))).toMatch(/^--json \/proc\/x: cannot write in \/proc \(/);
  });

  it('accept a new nested --save folder and a new or existing --json file, creating nothing and truncating nothing', async () => {
    const before = await readdir(dir);
    await checkSaveFolder(path.join(dir, 'new', 'nested', 'model'));
    await checkJsonFile(path.join(dir, 'result.json'));
    expect(await readdir(dir)).toEqual(before);
    await checkJsonFile(plainFile);
    expect(await readFile(plainFile, 'utf8')).toBe('not a folder');
  });
});

describe('the CLI with bad destinations', () => {
  it('refuses a --save under a plain file before training: exit 2, one line, nothing trained', async () => {
    const save = path.join(plainFile, 'model');
    const outcome = await cliInProcess([...QUICK, '--save', save]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`error: --save ${save}: ${plainFile} is a file, not a folder\n`);
  });

  it('refuses a --json naming a folder before training', async () => {
    const outcome = await cliInProcess([...QUICK, '--json', dir]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim().split('\n')).toEqual([`error: --json ${dir}: it is a folder; give a file name, such as ${path.join(dir, 'result.json')}`]);
  });

  it('a --save that fails after training still writes the --json result, then says what failed', async () => {
    // The folder passes the check, but model.json inside it is a folder: the write itself fails.
    const save = path.join(dir, 'blocked');
    await mkdir(path.join(save, 'model.json'), { recursive: true });
    const json = path.join(dir, 'kept.json');
    const outcome = await cliInProcess([...QUICK, '--quiet', '--save', save, '--json', json]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(new RegExp(`^error: --save ${save.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: could not write \\(.*model\\.json is a folder\\)\\n$`));
    const result = JSON.parse(await readFile(json, 'utf8'));
    expect(result.config).toMatchObject({ dataset: 'digits', method: 'none', epochs: 1 });
    expect(result.history.length).toBeGreaterThan(0);
  });
});

describe('the CLI with a bad --teacher folder', () => {
  it('names a garbage model.json without printing its bytes', async () => {
    const teacher = path.join(dir, 'garbage-teacher');
    await mkdir(teacher);
    await writeFile(path.join(teacher, 'model.json'), garbageBytes(4096));
    const outcome = await cliInProcess(['--dataset', 'digits', '--method', 'kd', '--teacher', teacher, '--epochs', '1', '--train-limit', '128', '--quiet', '--backend', 'cpu']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toBe(`error: ${path.join(teacher, 'model.json')} is not valid JSON: a tfjs layers model.json is a JSON object with modelTopology and weightsManifest\n`);
  });

  it('does not follow ../ in the weights manifest', async () => {
    const teacher = path.join(dir, 'climbing-teacher');
    await mkdir(teacher);
    const manifest = { modelTopology: { class_name: 'Model', config: { layers: [] } }, weightsManifest: [{ paths: ['../../../../etc/hostname'], weights: [] }] };
    await writeFile(path.join(teacher, 'model.json'), JSON.stringify(manifest));
    const outcome = await cliInProcess(['--dataset', 'digits', '--method', 'kd', '--teacher', teacher, '--epochs', '1', '--train-limit', '128', '--quiet', '--backend', 'cpu']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/weightsManifest\[0\]\.paths\[0\] "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname" points outside the model's folder/);
    expect(existsSync(path.join(teacher, 'model.json'))).toBe(true);
  });
});
