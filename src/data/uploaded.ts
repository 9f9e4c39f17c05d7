// Datasets read from the user's files are named "upload:<name>" so that no id of theirs can
// collide with a shipped one, and so the page and the worker tell them apart by id alone.

export const UPLOADED_PREFIX = 'upload:';

export function isUploadedDataset(id: string): boolean {
  return id.startsWith(UPLOADED_PREFIX);
}

/** The id of a dataset read from files named `name` (lower case, letters, digits and dashes). */
export function uploadedDatasetId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/\.(tar\.gz|tgz|zip|gz|csv|bin)$/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${UPLOADED_PREFIX}${slug || 'dataset'}`;
}
