// "Export as PyTorch" in Chromium: the Lab's button turns the configuration into a .zip holding
// train.py, config.json, the teacher's files and the dataset's; what is inside is read back with
// Python's zipfile (the exported script itself is tested in test/export/).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from './harness';
import { openLab } from './lab';

/** The archive's entries and the text of config.json, read by Python's zipfile. */
function readZip(file: string): { names: string[]; config: { dataset: string; method: string; params: Record<string, number> } } {
  const script = 'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nc=[n for n in z.namelist() if n.endswith("config.json")][0]\nprint(json.dumps({"names":z.namelist(),"config":json.loads(z.read(c))}))';
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as ReturnType<typeof readZip>;
}

test('export: the Lab configuration downloads as a PyTorch folder (train.py, config.json, the teacher and the dataset files) before any run', 90_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?method=kd&temperature=6`);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-pytorch').click()]);
  const file = await download.path();
  assert.ok(file, 'the export has no file');
  assert.match(download.suggestedFilename(), /\.zip$/);
  assert.equal(readFileSync(file).subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'not a zip archive');
  const { names, config } = readZip(file);
  for (const wanted of [/(^|\/)train\.py$/, /(^|\/)config\.json$/, /(^|\/)README\.md$/, /teacher\/model\.json$/, /teacher\/weights\.bin$/, /digits\.csv\.gz$/]) {
    assert.ok(names.some((name) => wanted.test(name)), `no ${wanted} in ${names.join(', ')}`);
  }
  // The configuration as the Lab shows it (the URL set temperature = 6), not the defaults.
  assert.equal(config.dataset, 'digits');
  assert.equal(config.method, 'kd');
  assert.equal(config.params.temperature, 6);
  assert.match(await page.getByTestId('export-pytorch-note').textContent() ?? '', /train\.py/);
});
