// Labelled CSV: one sample per line, numeric pixel columns and one integer label column.
export interface CsvOptions {
  /** 'last' (sklearn's digits.csv) or 'first' */
  labelColumn: 'first' | 'last';
  /** Pixel values are divided by this to land in [0, 1] (16 for the 8x8 digits). */
  maxValue: number;
  /** Expected number of pixel columns; a row with another count is refused. */
  features: number;
  /** Labels must be below this (the dataset's class count). */
  numClasses?: number;
  /** How messages name the file. */
  name?: string;
  /** The first line names the columns: it is skipped (messages still count it). */
  header?: boolean;
  /** Raw values outside [min, max] are refused (before the division by maxValue). */
  valueRange?: [number, number];
}

/** A cell as a message quotes it: control characters and undecodable bytes escaped, cut to 20 characters. */
function quoteCell(cell: string): string {
  const shown = cell.length > 20 ? `${cell.slice(0, 17)}...` : cell;
  return JSON.stringify(shown).replace(/[\u007f-\u009f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function parseLabelledCsv(text: string, options: CsvOptions): { images: Float32Array; labels: Int32Array; count: number } {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (options.header) lines.shift();
  const { features, maxValue, valueRange } = options;
  const firstLine = options.header ? 2 : 1;
  const where = options.name ? `${options.name}: ` : '';
  if (lines.length === 0) throw new Error(`${where}the CSV holds no samples (expected one line of ${features} pixels and a label per image)`);
  const images = new Float32Array(lines.length * features);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, index) => {
    const row = index + firstLine - 1;
    const cells = line.split(',');
    if (cells.length !== features + 1) {
      throw new Error(`${where}CSV line ${row + 1}: expected ${features + 1} columns, found ${cells.length}`);
    }
    const labelIndex = options.labelColumn === 'last' ? features : 0;
    const first = options.labelColumn === 'last' ? 0 : 1;
    const label = cellNumber(cells[labelIndex]);
    if (!Number.isInteger(label) || label < 0) throw new Error(`${where}CSV line ${row + 1}: label ${quoteCell(cells[labelIndex])} is not a class index`);
    if (options.numClasses !== undefined && label >= options.numClasses) {
      throw new Error(`${where}CSV line ${row + 1}: label ${label} is out of range for ${options.numClasses} classes`);
    }
    labels[index] = label;
    for (let j = 0; j < features; j++) {
      const value = cellNumber(cells[first + j]);
      if (!Number.isFinite(value)) throw new Error(`${where}CSV line ${row + 1}, column ${first + j + 1}: ${quoteCell(cells[first + j])} is not a number`);
      if (valueRange && (value < valueRange[0] || value > valueRange[1])) {
        throw new Error(`${where}CSV line ${row + 1}, column ${first + j + 1}: ${value} is outside ${valueRange[0]}–${valueRange[1]}`);
      }
      images[index * features + j] = value / maxValue;
    }
  });
  return { images, labels, count: lines.length };
}

/** Number(''), Number(' ') are 0: an empty cell must not read as a black pixel or class 0. */
function cellNumber(cell: string): number {
  return cell.trim() === '' ? Number.NaN : Number(cell);
}
