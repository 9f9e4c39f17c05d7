// `npm run method-table -- FILE.json ... [--methods kd,dkd,...] [--out FILE]`: the method table of
// CLI result files (src/cli/methodTable.ts), printed as Markdown and kept as JSON.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatMethodTable, methodTableRows, type MethodRun } from '../src/cli/methodTable';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { methods: { type: 'string' }, out: { type: 'string' } } });
if (positionals.length === 0) {
  process.stderr.write('usage: npm run method-table -- RESULT.json ... [--methods kd,dkd] [--out table.json]\n');
  process.exit(2);
}
const runs: Array<MethodRun & { file: string }> = [];
for (const file of positionals) runs.push({ ...(JSON.parse(await readFile(file, 'utf8')) as MethodRun), file });
const rows = methodTableRows(runs, values.methods?.split(','));
process.stdout.write(`${formatMethodTable(rows)}\n`);
if (values.out) {
  const kept = runs.map((run) => ({ file: run.file, method: run.config.method, seed: run.config.seed, testAccuracy: run.testAccuracy, valAccuracy: run.valAccuracy, seconds: run.seconds }));
  await writeFile(values.out, `${JSON.stringify({ rows, runs: kept }, null, 2)}\n`);
}
