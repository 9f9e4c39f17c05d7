// --export-pytorch's folder rules (docs/ARCHITECTURE.md §4.5): checked before training (not
// /proc, /sys or /dev, a folder, empty unless --force), written without following a symbolic
// link, and a failed or refused run leaves nothing it created. All in process.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExportFolder, writeExportFiles } from '../../src/cli/pytorchExport';
import { parseArgs, USAGE } from '../../src/cli/args';
import { runCli } from '../../src/cli/run';
import { cliInProcess, rejection as refusal, refusal as usageRefusal } from './cliKit';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-export-folder-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (value: string) => new TextEncoder().encode(value);
const FILES = [
  { path: 'train.py', data: text('print("new")\n') },
  { path: 'README.md', data: text('# new\n') },
  { path: 'teacher/model.json', data: text('{}') },
];

/** A folder of the test with these files (a trailing / makes a folder). */
async function folderWith(name: string, entries: Record<string, string> = {}): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder);
  for (const [entry, content] of Object.entries(entries)) {
    if (entry.endsWith('/')) await mkdir(path.join(folder, entry), { recursive: true });
    else await writeFile(path.join(folder, entry), content);
  }
  return folder;
}

describe('checkExportFolder, before training', () => {
  it('refuses /proc, /sys and /dev at once, and a link that leads there', async () => {
    const started = Date.now();
    for (const root of ['/proc', '/sys', '/dev']) {
      expect(await refusal(checkExportFolder(`${root}/x`))).toBe(`--export-pytorch ${root}/x: it is under ${root}, which is not a folder on disk`);
    }
    const link = path.join(dir, 'to-proc');
    await symlink('/proc/self', link);
    expect(await refusal(checkExportFolder(path.join(link, 'x')))).toMatch(new RegExp(`^--export-pytorch ${link}/x: ${link} \\(/proc/\\d+\\) is under /proc, which is not a folder on disk$`));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a file, a path through a file and a link to nothing', async () => {
    const file = path.join(dir, 'plain.txt');
    await writeFile(file, 'not a folder');
    expect(await refusal(checkExportFolder(file))).toBe(`--export-pytorch ${file}: it is not a folder`);
    expect(await refusal(checkExportFolder(path.join(file, 'x')))).toBe(`--export-pytorch ${path.join(file, 'x')}: ${file} is not a folder`);
    const dangling = path.join(dir, 'dangling');
    await symlink(path.join(dir, 'nowhere'), dangling);
    expect(await refusal(checkExportFolder(dangling))).toBe(`--export-pytorch ${dangling}: it is a link to nothing`);
  });

  it('refuses a folder that is not empty unless forced', async () => {
    const full = await folderWith('full', { 'notes.txt': 'mine' });
    expect(await refusal(checkExportFolder(full))).toBe(`--export-pytorch ${full}: the folder is not empty (1 entry); give an empty or new folder, or --force to write the export into it`);
    await checkExportFolder(full, true);
    expect(await readdir(full)).toEqual(['notes.txt']);
  });

  it('accepts an empty folder and a new nested one, creating nothing', async () => {
    const empty = await folderWith('empty');
    await checkExportFolder(empty);
    const before = await readdir(dir);
    await checkExportFolder(path.join(dir, 'new', 'nested'));
    expect(await readdir(dir)).toEqual(before);
    expect(await readdir(empty)).toEqual([]);
  });
});

describe('writeExportFiles', () => {
  it('writes a new nested folder', async () => {
    const target = path.join(dir, 'fresh', 'export');
    await writeExportFiles(target, FILES, false);
    expect(await readFile(path.join(target, 'teacher', 'model.json'), 'utf8')).toBe('{}');
    expect((await readdir(target)).sort()).toEqual(['README.md', 'teacher', 'train.py']);
  });

  it('with --force replaces its own files and keeps the others; without, refuses a file in the way', async () => {
    const used = await folderWith('used', { 'train.py': 'old', 'notes.txt': 'mine' });
    expect(await refusal(writeExportFiles(used, FILES, false))).toBe(`${path.join(used, 'train.py')} is already there (--force replaces it)`);
    expect(await readFile(path.join(used, 'train.py'), 'utf8')).toBe('old');
    await writeExportFiles(used, FILES, true);
    expect(await readFile(path.join(used, 'train.py'), 'utf8')).toBe('print("new")\n');
    expect(await readFile(path.join(used, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('never writes through a symbolic link: a linked file or folder is refused before anything is written', async () => {
    const outside = await folderWith('outside', { 'victim.txt': 'untouched' });
    const victim = path.join(outside, 'victim.txt');
    const linkedFile = await folderWith('linked-file');
    await symlink(victim, path.join(linkedFile, 'train.py'));
    expect(await refusal(writeExportFiles(linkedFile, FILES, true))).toBe(`${path.join(linkedFile, 'train.py')} is a symbolic link: the export never writes through one (remove it)`);
    const linkedFolder = await folderWith('linked-folder');
    await symlink(outside, path.join(linkedFolder, 'teacher'));
    expect(await refusal(writeExportFiles(linkedFolder, FILES, true))).toBe(`${path.join(linkedFolder, 'teacher')} is a symbolic link: the export never writes through one (remove it)`);
    const linkedDeep = await folderWith('linked-deep', { 'teacher/': '' });
    await symlink(victim, path.join(linkedDeep, 'teacher', 'model.json'));
    expect(await refusal(writeExportFiles(linkedDeep, FILES, true))).toMatch(/teacher\/model\.json is a symbolic link/);
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect(await readdir(outside)).toEqual(['victim.txt']);
    expect((await readdir(linkedFile)).sort()).toEqual(['train.py']);
    expect((await lstat(path.join(linkedFile, 'train.py'))).isSymbolicLink()).toBe(true);
    expect(await readdir(linkedFolder)).toEqual(['teacher']);
  });

  it('a write that fails removes what it created, and only that', async () => {
    // "a" is written as a file, then "a/b" needs it as a folder: the second write fails.
    const clash = [{ path: 'a', data: text('1') }, { path: 'a/b', data: text('2') }];
    const created = path.join(dir, 'made-here', 'deeper');
    expect(await refusal(writeExportFiles(created, clash, false))).toMatch(/ENOTDIR|EEXIST|not a directory|already exists/);
    expect(existsSync(path.join(dir, 'made-here'))).toBe(false);
    const kept = await folderWith('kept', { 'notes.txt': 'mine', 'old/': '' });
    expect(await refusal(writeExportFiles(kept, [{ path: 'new/x', data: text('1') }, ...clash], true))).toMatch(/ENOTDIR|EEXIST|not a directory|already exists/);
    expect((await readdir(kept)).sort()).toEqual(['notes.txt', 'old']);
  });

  it('refuses a path that leaves the folder', async () => {
    expect(await refusal(writeExportFiles(path.join(dir, 'never'), [{ path: '../escape', data: text('') }], false))).toBe('../escape is not a path inside the export');
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });
});

describe('the CLI', () => {
  it('takes --force with --export-pytorch only, and lists it', () => {
    expect(parseArgs(['--export-pytorch', 'out', '--force']).force).toBe(true);
    expect(parseArgs(['--export-pytorch', 'out']).force).toBeUndefined();
    expect(usageRefusal(['--force'])).toBe('--force is for --export-pytorch');
    expect(USAGE).toMatch(/^ {2}--force {15}--export-pytorch may write into a folder that is not empty/m);
  });

  it('a run refused after the check (a teacher for another dataset) leaves no export folder', async () => {
    const target = path.join(dir, 'refused', 'export');
    const argv = ['--dataset', 'digits', '--teacher', 'mnist-teacher-cnn', '--epochs', '1', '--train-limit', '64', '--quiet', '--export-pytorch', target];
    expect(await refusal(runCli(parseArgs(argv), argv))).toMatch(/^--teacher: /);
    expect(existsSync(path.join(dir, 'refused'))).toBe(false);
  });

  it('a folder that is not empty is refused before the data is read, and --force lets the check pass', async () => {
    const full = await folderWith('cli-full', { 'notes.txt': 'mine' });
    const argv = ['--dataset', 'digits', '--method', 'none', '--quiet', '--export-pytorch', full];
    expect(await refusal(runCli(parseArgs(argv), argv))).toMatch(/the folder is not empty \(1 entry\); give an empty or new folder, or --force/);
    // With --force the check passes and the run goes on to its own refusal (a batch larger than the data).
    const forced = [...argv, '--force', '--batch-size', '100000'];
    expect(await refusal(runCli(parseArgs(forced), forced))).toMatch(/Batch size 100000 is larger than the training set/);
    expect(await readdir(full)).toEqual(['notes.txt']);
  });

  it('--export-pytorch /proc/x: one line and a non-zero exit, at once (it used to hang)', async () => {
    const outcome = await cliInProcess(['--dataset', 'digits', '--method', 'none', '--export-pytorch', '/proc/x', '--backend', 'cpu']);
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toBe('error: --export-pytorch /proc/x: it is under /proc, which is not a folder on disk\n');
  });
});
