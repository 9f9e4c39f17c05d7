// What a dataset is read from: files with a path ('/'-separated, relative to what the user gave)
// whose bytes are read on demand. The CLI builds them from a file or a folder on disk, the worker
// from picked File handles, tests from arrays; archives (.tar.gz, .zip) open into more of them.

export interface DatasetSourceFile {
  /** 'cifar-10-binary.tar.gz', or 'cat/001.png' inside a folder. */
  path: string;
  size: number;
  bytes(): Promise<Uint8Array>;
  /**
   * The bytes as a stream, and a byte range: when given, a compressed archive is decompressed as it
   * is read and never held whole (File.stream() and File.slice() in a browser).
   */
  stream?(): ReadableStream<Uint8Array>;
  slice?(start: number, end: number): Promise<Uint8Array>;
}

export interface DatasetSource {
  /** The dataset's name as the user gave it: the file's or folder's name. */
  name: string;
  files: DatasetSourceFile[];
  /** Folders (with their paths), so an empty class folder can be named; optional. */
  directories?: string[];
}

/** A file of the dataset once archives are opened: `shownAs` is how messages name it. */
export interface DatasetEntry {
  path: string;
  shownAs: string;
  size: number;
  bytes(): Promise<Uint8Array>;
}

/** A source file from bytes in memory (tests, the worker's already-read files). */
export function fileFromBytes(path: string, bytes: Uint8Array): DatasetSourceFile {
  return { path, size: bytes.length, bytes: async () => bytes };
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((part) => part !== '');
  return parts[parts.length - 1] ?? path;
}

/** Files a dataset never means: macOS resource forks, Finder and Explorer metadata, hidden files. */
export function isJunkPath(path: string): boolean {
  return path.split('/').some((part) => part === '__MACOSX' || part.startsWith('.')) || /^(thumbs\.db|desktop\.ini)$/i.test(baseName(path));
}

/** 'cifar-10-binary.tar.gz' -> 'cifar-10-binary'; 'data/kmnist/' -> 'kmnist'. */
export function datasetNameFromPath(path: string): string {
  const name = baseName(path).replace(/(\.(tar\.gz|tgz|tar|zip|gz|csv|bin))+$/i, '');
  return name === '' ? 'dataset' : name;
}
