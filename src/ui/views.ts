// The lab's pages, one tab each; the open one lives in the URL (view=compare) with the config.
export const VIEWS = [
  { id: 'lab', label: 'Lab', help: 'Set up one run and watch it learn' },
  { id: 'compare', label: 'Compare', help: 'Queue several runs and compare them side by side' },
  { id: 'explore', label: 'Soft labels', help: "Explore the teacher's soft labels (classroom)" },
  { id: 'classroom', label: 'Classroom', help: 'What distillation does, in four steps: one link to project' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export function viewFromUrl(search: string): ViewId {
  const id = new URLSearchParams(search).get('view');
  return VIEWS.find((view) => view.id === id)?.id ?? 'lab';
}
