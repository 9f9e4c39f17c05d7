// Labelled CSV: one sample per line, numeric pixel columns and one integer label column.
export interface CsvOptions {
  /** 'last' (sklearn's digits.csv) or 'first' */
  labelColumn: 'first' | 'last';
  /** Pixel values are divided by this to land in [0, 1] (16 for the 8x8 digits). */
  maxValue: number;
  /** Expected number of pixel columns; a row with another count is refused. */
  features: number;
}

export function parseLabelledCsv(text: string, options: CsvOptions): { images: Float32Array; labels: Int32Array; count: number } {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const { features, maxValue } = options;
  const images = new Float32Array(lines.length * features);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, row) => {
    const cells = line.split(',');
    if (cells.length !== features + 1) {
      throw new Error(`CSV line ${row + 1}: expected ${features + 1} columns, found ${cells.length}`);
    }
    const labelIndex = options.labelColumn === 'last' ? features : 0;
    const first = options.labelColumn === 'last' ? 0 : 1;
    const label = cellNumber(cells[labelIndex]);
    if (!Number.isInteger(label) || label < 0) throw new Error(`CSV line ${row + 1}: label "${cells[labelIndex]}" is not a class index`);
    labels[row] = label;
    for (let j = 0; j < features; j++) {
      const value = cellNumber(cells[first + j]);
      if (!Number.isFinite(value)) throw new Error(`CSV line ${row + 1}, column ${first + j + 1}: "${cells[first + j]}" is not a number`);
      images[row * features + j] = value / maxValue;
    }
  });
  return { images, labels, count: lines.length };
}

/** Number(''), Number(' ') are 0: an empty cell must not read as a black pixel or class 0. */
function cellNumber(cell: string): number {
  return cell.trim() === '' ? Number.NaN : Number(cell);
}
