// The comparison table's view: which groups' curves are hidden, the sort a header click sets, and
// the entries as the table's rows (results.ts computes them; this reads them from the entries).
import { comparisonTable, studentRow, teacherRow, withDeltas, type ComparisonTable, type ResultRow, type SortKey } from './results';
import { compareStore, type CompareEntry } from './compare';

const set = compareStore.setState;

export function toggleHidden(id: string): void {
  set((state) => ({ hidden: state.hidden.includes(id) ? state.hidden.filter((h) => h !== id) : [...state.hidden, id] }));
}

/** Click on a header: sort by it (descending first for numbers), again to flip, a third time to unsort. */
export function sortBy(key: SortKey, numeric: boolean): void {
  set((state) => {
    const first = numeric ? 'descending' : 'ascending';
    if (state.sort?.key !== key) return { sort: { key, direction: first } };
    if (state.sort.direction === first) return { sort: { key, direction: first === 'ascending' ? 'descending' : 'ascending' } };
    return { sort: null };
  });
}

/** Each entry's table row, in the group it belongs to. */
function entryRows(entries: readonly CompareEntry[]): ResultRow[] {
  return entries.map((entry) =>
    entry.kind === 'teacher'
      ? teacherRow({
          id: entry.id,
          label: entry.label,
          config: entry.config,
          status: entry.status,
          evaluation: entry.teacher?.evaluation ?? null,
          parameters: entry.teacher?.parameters ?? null,
          seconds: entry.teacher?.seconds ?? null,
          error: entry.error,
        })
      : studentRow({ id: entry.id, label: entry.label, config: entry.config, status: entry.status, result: entry.result, error: entry.error, group: entry.group }),
  );
}

/** Every run's table row, Δ against the scratch baseline of its seed. */
export function resultRows(entries: readonly CompareEntry[]): ResultRow[] {
  return withDeltas(entryRows(entries));
}

/** The table: one row per configuration (mean ± std over its seeds, Δ of the means) and each seed's run. */
export function resultTable(entries: readonly CompareEntry[]): ComparisonTable {
  return comparisonTable(entryRows(entries));
}
