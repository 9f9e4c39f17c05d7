// Writes public/teachers/index.json (the teacher picker's catalog) from every
// public/teachers/<id>/card.json that has its model.json next to it.
// Usage: node --import tsx scripts/index-teachers.ts
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TeacherCard } from '../src/models/catalog';

const teachersDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public/teachers');

async function main(): Promise<void> {
  const cards: TeacherCard[] = [];
  const entries = existsSync(teachersDir) ? await readdir(teachersDir, { withFileTypes: true }) : [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const folder = path.join(teachersDir, entry.name);
    const cardFile = path.join(folder, 'card.json');
    if (!existsSync(cardFile) || !existsSync(path.join(folder, 'model.json'))) continue;
    const card = JSON.parse(await readFile(cardFile, 'utf8')) as TeacherCard;
    if (card.id !== entry.name) throw new Error(`${cardFile}: id "${card.id}" does not match its folder "${entry.name}"`);
    cards.push(card);
  }
  cards.sort((a, b) => a.dataset.localeCompare(b.dataset) || a.id.localeCompare(b.id));
  await writeFile(path.join(teachersDir, 'index.json'), `${JSON.stringify(cards, null, 2)}\n`);
  process.stdout.write(`${cards.length} teachers: ${cards.map((c) => `${c.id} (${(c.testAccuracy * 100).toFixed(2)}%)`).join(', ')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
