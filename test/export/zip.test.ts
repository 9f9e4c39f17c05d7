// The page's store-only zip writer: its CRC-32 against a known value, and an archive that
// Python's zipfile (an independent reader) lists, checks (testzip: every CRC) and reads back.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { crc32, zipStore } from '../../src/export/zip';

describe('zipStore', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('writes an archive another reader accepts, byte for byte', () => {
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251);
    const entries = [
      { path: 'train.py', data: new TextEncoder().encode('print("héllo")\n') },
      { path: 'teacher/weights.bin', data: big },
      { path: 'data/empty.txt', data: new Uint8Array(0) },
    ];
    const archive = zipStore(entries);
    const python = spawnSync('python3', ['-c', [
      'import sys, zipfile, io, json, hashlib',
      'z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))',
      'assert z.testzip() is None',
      'print(json.dumps([[i.filename, i.compress_type, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))',
    ].join('\n')], { input: archive });
    expect(python.status, python.stderr?.toString()).toBe(0);
    const listed = JSON.parse(python.stdout.toString()) as [string, number, string][];
    const sha = (data: Uint8Array) => spawnSync('sha256sum', { input: data }).stdout.toString().split(' ')[0];
    expect(listed).toEqual(entries.map((e) => [e.path, 0, sha(e.data)]));
  });

  it('refuses paths that would leave the folder and names given twice', () => {
    expect(() => zipStore([{ path: '../x', data: new Uint8Array(1) }])).toThrow(/relative file path/);
    expect(() => zipStore([{ path: '/etc/x', data: new Uint8Array(1) }])).toThrow(/relative file path/);
    expect(() => zipStore([{ path: 'a', data: new Uint8Array(1) }, { path: 'a', data: new Uint8Array(1) }])).toThrow(/twice/);
  });
});
