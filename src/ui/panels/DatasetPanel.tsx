import { memo, useMemo, useState } from 'react';
import { isUploadedDataset, UPLOADED_PREFIX } from '../../data/uploaded';
import { BUILTIN_DATASETS } from '../../data/registry';
import { forgetDataset, loadOwnDataset, setDataset, setOmitClasses } from '../../state/configActions';
import { retryDataset } from '../../state/datasetActions';
import { trainCount, useProblem } from '../../state/problems';
import { labStore, useLab } from '../../state/store';
import type { DatasetSummary } from '../../worker/protocol';
import type { ChannelStats } from '../../data/types';
import { IMAGE_SIZE_CHOICES } from '../../data/files/imageSize';
import { Panel, SelectField } from '../fields';
import { PixelImage, pixelScale } from '../PixelImage';
import { useRunActive } from '../hooks';
import { useInstallProblems } from '../../state/installedDatasets';

/** A shipped dataset's option; one that npm install could not write says so and names its command. */
const datasetOption = (d: (typeof BUILTIN_DATASETS)[number], missing: boolean) => ({
  value: d.id,
  label: missing && d.install ? `${d.name} (not installed: ${d.install.command})` : `${d.name} (${(d.sizes.train + d.sizes.test).toLocaleString('en')} images)`,
});

/** The shipped datasets, then those read from the user's files in this session. */
function useDatasetOptions(): { value: string; label: string }[] {
  const datasets = useLab((s) => s.datasets);
  const saved = useLab((s) => s.savedDatasets);
  const current = useLab((s) => s.config.dataset);
  const missing = useInstallProblems();
  return useMemo(() => {
    const uploaded = Object.values(datasets).flatMap((d) => (d.summary && isUploadedDataset(d.summary.id) ? [d.summary] : []));
    const label = (d: DatasetSummary) => `${d.name} (your files, ${(d.sizes.train + d.sizes.val + d.sizes.test).toLocaleString('en')} images)`;
    const options = [...BUILTIN_DATASETS.map((d) => datasetOption(d, Boolean(missing[d.id]))), ...uploaded.map((d) => ({ value: d.id, label: label(d) }))];
    // Kept in this browser and not read yet in this session: picking one reads its files again.
    for (const entry of saved) {
      if (!options.some((o) => o.value === entry.id)) options.push({ value: entry.id, label: `${entry.name} (your files, kept in this browser)` });
    }
    if (!options.some((o) => o.value === current)) options.push({ value: current, label: `${current.slice(UPLOADED_PREFIX.length) || current} (not in this browser)` });
    return options;
  }, [datasets, saved, current, missing]);
}

export function DatasetPanel() {
  const dataset = useLab((s) => s.config.dataset);
  const state = useLab((s) => s.datasets[s.config.dataset]);
  const active = useRunActive();
  const options = useDatasetOptions();
  const [over, setOver] = useState(false);
  return (
    <Panel title="Data">
      {/* The whole panel takes dropped files (the picker below says so); a drop during a run is ignored, as the pickers are disabled. */}
      <div
        className={`dataset-drop-area${over ? ' drag-over' : ''}`}
        data-testid="dataset-drop"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(!active);
        }}
        onDragLeave={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOver(false);
        }}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          const files = event.dataTransfer.files;
          if (!active && files.length > 0) void loadOwnDataset([...files]);
        }}
      >
        <SelectField label="Dataset" testId="dataset-select" value={dataset} options={options} onValue={setDataset} disabled={active} />
        <OwnDataset disabled={active} />
        <DatasetProgress fraction={state?.status === 'ready' ? 1 : (state?.fraction ?? 0)} status={state?.status} message={state?.message ?? ''} />
        {state?.status === 'failed' ? (
          <p className="inline-error" role="alert" data-testid="dataset-error">
            Could not load the dataset: {state.message}{' '}
            <button type="button" className="link-button" onClick={retryDataset}>
              Try again
            </button>
          </p>
        ) : null}
        {state?.summary ? <DatasetCard summary={state.summary} /> : null}
        {state?.summary ? <TransferSetControls summary={state.summary} disabled={active} /> : null}
      </div>
    </Panel>
  );
}

/** Your own files (IDX image and label files, gzipped or not), picked or dropped on the panel; read in the worker. */
function OwnDataset({ disabled }: { disabled: boolean }) {
  const upload = useLab((s) => s.datasetUpload);
  const imageSide = useLab((s) => s.uploadImageSide);
  const dataset = useLab((s) => s.config.dataset);
  const reading = useLab((s) => (s.datasetUpload.status === 'reading' && s.datasetUpload.id ? s.datasets[s.datasetUpload.id] : undefined));
  const take = (files: FileList | null) => {
    if (!disabled && files && files.length > 0) void loadOwnDataset([...files]);
  };
  return (
    <div className="own-dataset">
      <p className="small">
        Your own data, read in the page's worker: CIFAR-10/100 binary (<code>cifar-10-binary.tar.gz</code> or its <code>.bin</code> files), IDX images + labels (.gz or not), a folder
        or <code>.zip</code> with one subfolder of PNG/JPEG images per class, or a CSV of a label and pixel columns. Drop them anywhere on this panel or pick them:
      </p>
      <div className="button-row">
        <label className="small">
          Files{' '}
          <input type="file" multiple data-testid="dataset-file-input" disabled={disabled || upload.status === 'reading'} onChange={(event) => take(event.currentTarget.files)} />
        </label>
        <label className="small">
          A folder{' '}
          <input
            type="file"
            data-testid="dataset-folder-input"
            disabled={disabled || upload.status === 'reading'}
            ref={(input) => input?.setAttribute('webkitdirectory', '')}
            onChange={(event) => take(event.currentTarget.files)}
          />
        </label>
        <label className="small">
          Image folders resized to{' '}
          <select
            data-testid="dataset-image-size"
            value={imageSide === null ? 'auto' : String(imageSide)}
            disabled={disabled || upload.status === 'reading'}
            onChange={(event) => labStore.setState({ uploadImageSide: event.currentTarget.value === 'auto' ? null : Number(event.currentTarget.value) })}
          >
            <option value="auto">their most common size (at most 64×64)</option>
            {IMAGE_SIZE_CHOICES.map((side) => (
              <option key={side} value={side}>{`${side}×${side}`}</option>
            ))}
          </select>
        </label>
      </div>
      <p className="small muted">Your images are kept as bytes in the lab's worker (CIFAR-10's 60,000 32×32 colour images: 184 MB) and each batch goes to the device as floats, normalised per channel with the train split's mean and std. The lab takes up to 200,000 images or 512 MB.</p>
      {isUploadedDataset(dataset) ? (
        <button type="button" className="link-button small" data-testid="dataset-delete" disabled={disabled}
          onClick={() => void forgetDataset(dataset)}>
          Delete this dataset from this browser
        </button>
      ) : null}
      {upload.status === 'reading' ? (
        <div className="dataset-progress" data-state="loading">
          <progress data-testid="dataset-upload-progress" max={1} value={reading?.fraction ?? 0} aria-label="Reading your files" />
          <span className="muted small" aria-live="polite">
            {reading?.message ? `${reading.message} · ${Math.round((reading.fraction ?? 0) * 100)}%` : 'Starting…'}
          </span>
        </div>
      ) : null}
      {upload.message ? (
        <p className={upload.status === 'refused' ? 'inline-error' : 'small muted'} role={upload.status === 'refused' ? 'alert' : 'status'} data-testid="dataset-upload-status" data-state={upload.status}>
          {upload.message}
        </p>
      ) : null}
    </div>
  );
}

function DatasetProgress({ fraction, status, message }: { fraction: number; status?: string; message: string }) {
  const text = status === 'ready' ? 'Loaded and on the device' : status === 'failed' ? 'Failed' : message || 'Waiting…';
  return (
    <div className="dataset-progress" data-state={status ?? 'idle'}>
      <progress data-testid="dataset-progress" max={1} value={fraction} aria-label="Dataset download progress" />
      <span className="muted small" aria-live="polite">
        {status === 'loading' ? `${text} · ${Math.round(fraction * 100)}%` : text}
      </span>
    </div>
  );
}

const DatasetCard = memo(function DatasetCard({ summary }: { summary: DatasetSummary }) {
  const { sizes, inputShape, classNames, classCounts } = summary;
  return (
    <article className="dataset-card" data-testid="dataset-card" aria-label={`${summary.name} dataset`}>
      <p className="small">{summary.description}</p>
      {summary.normalization ? <Normalization stats={summary.normalization} /> : null}
      <dl className="stats-row">
        <div>
          <dt>Train</dt>
          <dd>{sizes.train.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Val</dt>
          <dd>{sizes.val.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Test</dt>
          <dd>{sizes.test.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Input</dt>
          <dd>{inputShape.join('×')}</dd>
        </div>
        <div>
          <dt>Classes</dt>
          <dd>{summary.numClasses}</dd>
        </div>
      </dl>
      <SampleGrid summary={summary} />
      <ul className="class-list" aria-label="Classes (training images per class)">
        {classNames.map((name, i) => (
          <li key={name}>
            <span className="class-name">{name}</span> <span className="muted">{classCounts[i]?.toLocaleString('en')}</span>
          </li>
        ))}
      </ul>
      <p className="muted small">Source: {summary.source}</p>
    </article>
  );
});

/** The per-channel statistics the inputs are normalised with (a user's dataset). */
function Normalization({ stats }: { stats: ChannelStats }) {
  const names = stats.mean.length === 3 ? ['R', 'G', 'B'] : stats.mean.length === 1 ? [''] : stats.mean.map((_, c) => `c${c}`);
  const list = (values: number[]) => values.map((v, c) => `${names[c]} ${v.toFixed(3)}`.trim()).join(' · ');
  return (
    <p className="small muted" data-testid="dataset-normalization">
      Inputs normalised per channel with the train split's statistics: mean {list(stats.mean)}; std {list(stats.std)}.
    </p>
  );
}

/** The card's samples at an integer scale of at least this many CSS pixels (8×8 digits: 4×, 28×28: 2×). */
const SAMPLE_SIDE = 32;
/** Larger images get a larger floor: 28×28 and 32×32 at 2×. */
const LARGE_SAMPLE_SIDE = 56;

function SampleGrid({ summary }: { summary: DatasetSummary }) {
  const shape = summary.inputShape;
  const scale = pixelScale(shape, Math.max(shape[0], shape[1]) > 16 ? LARGE_SAMPLE_SIDE : SAMPLE_SIDE);
  return (
    <ul className="sample-grid" aria-label="Sample training images">
      {summary.samples.map((sample, i) => (
        <SampleImage key={i} pixels={sample.pixels} shape={shape} scale={scale} label={summary.classNames[sample.label] ?? String(sample.label)} />
      ))}
    </ul>
  );
}

function SampleImage({ pixels, shape, scale, label }: { pixels: Float32Array; shape: [number, number, number]; scale: number; label: string }) {
  return (
    <li>
      <figure className="sample">
        <PixelImage pixels={pixels} shape={shape} scale={scale} label={`Sample of class ${label}`} />
        <figcaption title={label}>{label}</figcaption>
      </figure>
    </li>
  );
}

/**
 * What the student trains on: how many of the training images, and which classes it never sees
 * (Hinton et al. 2015, §3). The teacher, validation and test keep every class.
 */
function TransferSetControls({ summary, disabled }: { summary: DatasetSummary; disabled: boolean }) {
  const omitted = useLab((s) => s.config.omitClasses) ?? [];
  const count = useLab((s) => trainCount(s));
  const problem = useProblem('omitClasses');
  const toggle = (index: number, leaveOut: boolean) => setOmitClasses(leaveOut ? [...omitted, index] : omitted.filter((c) => c !== index));
  return (
    <fieldset className="transfer-set" data-testid="transfer-set">
      <legend>What the student sees</legend>
      <p className="small" data-testid="transfer-count">
        Training images: <strong>{count?.toLocaleString('en') ?? '…'}</strong> of {summary.sizes.train.toLocaleString('en')}
      </p>
      <p className="muted small">
        Fewer labelled images make soft labels matter more: each soft label tells the student how a digit resembles every other class, which a
        one-hot label cannot. Leave a class out and the student never sees it; only the teacher&apos;s soft labels on the other images can teach it.
      </p>
      <div className="omit-classes" role="group" aria-label="Classes left out of training">
        {summary.classNames.map((name, index) => (
          <label key={name} className="omit-class">
            <input
              type="checkbox"
              data-testid={`omit-class-${index}`}
              checked={omitted.includes(index)}
              disabled={disabled}
              onChange={(event) => toggle(index, event.target.checked)}
            />
            leave out {name}
          </label>
        ))}
      </div>
      {problem ? (
        <p className="inline-error" role="alert">
          {problem}
        </p>
      ) : null}
    </fieldset>
  );
}
