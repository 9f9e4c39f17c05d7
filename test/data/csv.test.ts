// Labelled CSV (sklearn's digits.csv): pixels scaled by maxValue, label column first or last.
import { describe, expect, it } from 'vitest';
import { parseLabelledCsv } from '../../src/data/csv';

const options = { labelColumn: 'last' as const, maxValue: 16, features: 4 };

describe('parseLabelledCsv', () => {
  it('parses pixels and the last-column label, scaling by maxValue', () => {
    const parsed = parseLabelledCsv('0,4,8,16,3\n16,0,2,1,7\n', options);
    expect(parsed.count).toBe(2);
    expect(Array.from(parsed.labels)).toEqual([3, 7]);
    expect(Array.from(parsed.images)).toEqual([0, 0.25, 0.5, 1, 1, 0, 0.125, 0.0625]);
  });

  it('reads the label from the first column when asked', () => {
    const parsed = parseLabelledCsv('5,16,0,8,4', { ...options, labelColumn: 'first' });
    expect(Array.from(parsed.labels)).toEqual([5]);
    expect(Array.from(parsed.images)).toEqual([1, 0, 0.5, 0.25]);
  });

  it('accepts CRLF line ends and skips blank lines', () => {
    const parsed = parseLabelledCsv('1,2,3,4,0\r\n\r\n4,3,2,1,1\r\n   \n', options);
    expect(parsed.count).toBe(2);
    expect(Array.from(parsed.labels)).toEqual([0, 1]);
  });

  it('refuses a row with the wrong number of columns, naming the line', () => {
    expect(() => parseLabelledCsv('1,2,3,4,0\n1,2,3,0\n', options)).toThrow(/CSV line 2: expected 5 columns, found 4/);
    expect(() => parseLabelledCsv('1,2,3,4,5,0\n', options)).toThrow(/expected 5 columns, found 6/);
  });

  it('refuses a non-numeric cell, naming line and column', () => {
    expect(() => parseLabelledCsv('1,2,3,4,0\n1,x,3,4,0\n', options)).toThrow(/CSV line 2, column 2: "x" is not a number/);
    expect(() => parseLabelledCsv('1,2,NaN,4,0\n', options)).toThrow(/column 3/);
  });

  it('refuses an empty cell instead of reading it as 0', () => {
    expect(() => parseLabelledCsv('1,,3,4,0\n', options)).toThrow(/CSV line 1, column 2/);
    expect(() => parseLabelledCsv('1,2,3,4,\n', options)).toThrow(/label "" is not a class index/);
  });

  it('refuses a label that is not a class index', () => {
    expect(() => parseLabelledCsv('1,2,3,4,1.5\n', options)).toThrow(/label "1.5" is not a class index/);
    expect(() => parseLabelledCsv('1,2,3,4,-1\n', options)).toThrow(/label "-1"/);
    expect(() => parseLabelledCsv('1,2,3,4,two\n', options)).toThrow(/label "two"/);
  });
});
