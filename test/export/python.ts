// Finding a Python with PyTorch for the export's tests (Debian's python3-torch in CI, installed
// by .ci/run): PYTHON=..., else /usr/bin/python3, else python3 on the PATH. Tests that need it
// are skipped with one printed line when none imports torch, never passed without running. The
// same for pyflakes (python3-pyflakes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PYTHON_CONVERTER, PYTHON_PRELUDE } from '../../src/export/trainScriptRuntime';

function importsTorch(python: string): boolean {
  const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
  return probe.status === 0;
}

const candidates = [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p));

/** A Python that imports torch and numpy, or null. */
export const TORCH_PYTHON: string | null = candidates.find(importsTorch) ?? null;

/** Says once, in one line, why a torch test file is skipped. */
export function reportMissingTorch(what: string): void {
  if (!TORCH_PYTHON) console.log(`SKIPPED ${what}: no Python with PyTorch here (tried ${candidates.join(', ')}; apt-get install python3-torch)`);
}

/** A Python for what needs no torch (compiling, reading constants): the torch one, else python3 on the PATH. */
export const PYTHON = TORCH_PYTHON ?? 'python3';

/** A Python with pyflakes (Debian's python3-pyflakes, installed by .ci/run beside python3-torch), or null. */
export const LINT_PYTHON: string | null =
  candidates.find((python) => spawnSync(python, ['-m', 'pyflakes', '--version'], { encoding: 'utf8', timeout: 60_000 }).status === 0) ?? null;

/** Says once, in one line, why a pyflakes test is skipped. */
export function reportMissingPyflakes(what: string): void {
  if (!LINT_PYTHON) console.log(`SKIPPED ${what}: no Python with pyflakes here (tried ${candidates.join(', ')}; apt-get install python3-pyflakes)`);
}

/** Run a Python script with JSON on stdin; its stdout parsed as JSON. Throws with stderr on failure. */
export function runPython<T>(source: string, input: unknown, timeout = 60_000, python = TORCH_PYTHON!): T {
  const folder = mkdtempSync(path.join(tmpdir(), 'lab-python-'));
  try {
    const script = path.join(folder, 'script.py');
    writeFileSync(script, source);
    const run = spawnSync(python, [script], { input: JSON.stringify(input), encoding: 'utf8', timeout, maxBuffer: 64 * 2 ** 20 });
    if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr.slice(-3000)}`);
    return JSON.parse(run.stdout) as T;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * A Python program that builds each job's exported module (`class`), loads its tfjs weights from
 * `folder`, runs it on `images` (NHWC, `shape`) and prints, per job, the logits and the taps named
 * in `taps` (feature maps back in the lab's NHWC order).
 */
export const CONVERSION_HARNESS = (modules: string) => String.raw`
${PYTHON_PRELUDE}
${modules}
${PYTHON_CONVERTER}

def nhwc(t):
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t

request = json.load(sys.stdin)
answers = []
for job in request["jobs"]:
    module = tfjs_to_torch(globals()[job["class"]](), job["folder"]).eval()
    images = torch.tensor(job["images"], dtype=torch.float32).view(-1, *job["shape"]).permute(0, 3, 1, 2)
    with torch.no_grad():
        logits, out = module(images)
    answers.append({"logits": logits.flatten().tolist(), **{name: nhwc(out[name]).flatten().tolist() for name in job.get("taps", [])}})
print(json.dumps(answers))
`;

/**
 * Each script compiled by Python (a SyntaxError fails), and the values of the constants named in
 * `names` as Python reads them (ast.literal_eval, nothing executed): top-level ones ("RUN") and
 * class attributes ("Teacher.NAME"), with a class's docstring as "Teacher.__doc__".
 */
export function pythonConstants(scripts: readonly string[], names: readonly string[]): Record<string, unknown>[] {
  return runPython<Record<string, unknown>[]>(String.raw`
import ast, json, sys

request = json.load(sys.stdin)
answers = []
for i, source in enumerate(request["scripts"]):
    compile(source, f"train{i}.py", "exec")
    found = {}
    def read(body, prefix):
        for node in body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = prefix + node.targets[0].id
                if name in request["names"]:
                    found[name] = ast.literal_eval(node.value)
            elif isinstance(node, ast.ClassDef):
                found[node.name + ".__doc__"] = ast.get_docstring(node, clean=False)
                read(node.body, node.name + ".")
    read(ast.parse(source).body, "")
    answers.append({name: value for name, value in found.items() if name in request["names"]})
print(json.dumps(answers))
`, { scripts, names }, 60_000, PYTHON);
}
