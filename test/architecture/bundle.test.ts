// The built page: what a visitor's browser loads first carries no TensorFlow.js (all training
// happens in the worker) and is at most half the 1.15 MB the page's chunk was with tfjs in it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labBuild, type LabBuild } from '../labBuild';

/** Messages of tfjs-core's engine: present wherever tfjs-core is bundled. */
const TFJS_MARKERS = ['highest priority backend', 'not registered for backend'];
const MAX_ENTRY_BYTES = 575_000;

let outDir = '';
let built: LabBuild | null = null;
let initial: { file: string; text: string }[] = [];
let all: string[] = [];

beforeAll(async () => {
  built = await labBuild();
  outDir = built.outDir;
  const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
  // The entry script and the chunks the page preloads with it: what loads before anything is clicked.
  const files = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\.\/([^"]+\.js)"/g)].map((m) => m[1]);
  initial = await Promise.all(files.map(async (file) => ({ file, text: await readFile(path.join(outDir, file), 'utf8') })));
  all = (await readdir(path.join(outDir, 'assets'))).filter((name) => name.endsWith('.js'));
}, 120_000);

afterAll(async () => {
  await built?.release();
});

describe('the built page', () => {
  it('finds tfjs where it belongs: in the worker (the markers are real)', async () => {
    const worker = all.find((name) => name.startsWith('trainer.worker'));
    expect(worker).toBeDefined();
    const text = await readFile(path.join(outDir, 'assets', worker!), 'utf8');
    for (const marker of TFJS_MARKERS) expect(text).toContain(marker);
  });

  it('loads no tfjs before anything is clicked, and its entry chunk is at most half its old size', () => {
    expect(initial.map((chunk) => chunk.file)[0]).toMatch(/^assets\/index-.*\.js$/);
    for (const chunk of initial) for (const marker of TFJS_MARKERS) expect(chunk.text.includes(marker), `${chunk.file} holds tfjs ("${marker}")`).toBe(false);
    expect(Buffer.byteLength(initial[0].text)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
  });
});
