// The golden loss values computed by the original PyTorch implementations (a JSON fixture, as
// torchdistill keeps one). KD_GOLDEN=FILE checks another file of the same shape instead.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_PATH = process.env.KD_GOLDEN
  ? path.resolve(process.env.KD_GOLDEN)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'losses.json');
