// "Export as PyTorch": one button (the Lab's results panel, each Compare row) that downloads the run
// or the configuration as a PyTorch folder in a .zip (src/state/pytorchExport.ts, loaded on the
// first click: train.py's template is tens of kB the page's first chunk need not carry).
import { useState } from 'react';
import type { PytorchExportRequest } from '../state/pytorchExport';
import { downloadBlob } from './compare/download';

export function PytorchExportButton({ request, testId, className, label = 'Export as PyTorch' }: { request: () => PytorchExportRequest; testId: string; className?: string; label?: string }) {
  const [state, setState] = useState<{ busy: boolean; note: string }>({ busy: false, note: '' });
  const run = async () => {
    setState({ busy: true, note: 'Preparing the PyTorch folder…' });
    const { pytorchExportZip } = await import('../state/pytorchExport');
    const outcome = await pytorchExportZip(request());
    if ('error' in outcome) return setState({ busy: false, note: outcome.error });
    downloadBlob(outcome.name, outcome.blob);
    setState({ busy: false, note: `${outcome.name}: unzip, then python train.py (or torchrun --nproc_per_node=N train.py); its README says more.` });
  };
  return (
    <span className="pytorch-export">
      <button type="button" className={className} data-testid={testId} disabled={state.busy} onClick={() => void run()}
        title="Download train.py (PyTorch, one process or torchrun with DDP), the teacher's weights, the dataset files and config.json">
        {label}
      </button>
      {state.note ? (
        <span className="small muted" role="status" data-testid={`${testId}-note`}>
          {' '}
          {state.note}
        </span>
      ) : null}
    </span>
  );
}
