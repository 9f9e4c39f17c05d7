// "What is matched": for the Lab's run, what each distillation term compares, drawn from the
// quantities its loss computes (docs/ARCHITECTURE.md §4.6): AT's attention maps and FitNet, MGD,
// VID's features after their connectors over one test image, with their difference; SP, RKD, PKT,
// IRG and DIST's relations over a class-sorted batch of test images; KD and DKD point to the soft
// labels. Live while the run trains, the start and the end of a finished run side by side in time.
import { useId, useMemo, useState, type ReactNode } from 'react';
import { useLab } from '../../state/store';
import type { MatchedMap, MatchedRelation, MatchedTerm, MatchedViewReply, Grid, MatchedImage, MatchedLayerPairs } from '../../worker/protocol';
import { Heatmap } from '../Heatmap';
import { isPanelHidden } from '../hiddenControls';
import { article, Panel } from '../fields';
import { PixelImage, bitmapUrl, pixelScale } from '../PixelImage';
import { describeMap, describeRelation, formatValue, gridPixels, scaleColour, type ScaleKind } from './scales';
import { useMatchedView } from './useMatchedView';

/** Maps drawn at least this many CSS pixels on their longer side; relation matrices this many. */
const MAP_SIDE = 112;
const RELATION_SIDE = 176;

export function MatchedPanel({ onOpenSoftLabels }: { onOpenSoftLabels: () => void }) {
  const runId = useLab((s) => s.run.id);
  const status = useLab((s) => s.run.status);
  // The run's own set-up, not the Lab's as it is now: the pictures are of the run.
  const distils = useLab((s) => {
    const config = s.run.config ?? s.config;
    return Boolean(config.terms?.length) || config.method !== 'none';
  });
  const dataset = useLab((s) => (s.run.config ?? s.config).dataset);
  const testCount = useLab((s) => s.datasets[dataset]?.summary?.sizes.test ?? 0);
  const classNames = useLab((s) => s.datasets[dataset]?.summary?.classNames);
  const [imageIndex, setImageIndex] = useState(0);
  const [moment, setMoment] = useState<'now' | 'start'>('now');
  const view = useMatchedView(runId, status, imageIndex);
  if (!runId || status === 'idle' || status === 'error' || !distils || isPanelHidden('matched')) return null;
  const ended = status === 'done' || status === 'stopped';
  const shown = moment === 'start' && ended ? view.start : view.now;
  // A finished run's start and end share each picture's colour range, so a difference that shrank looks smaller.
  const other = ended ? (moment === 'start' ? view.now : view.start) : null;
  return (
    <Panel title="What is matched" className="matched-panel">
      <div data-testid="matched-view" data-refreshes={view.refreshes} data-step={shown?.step ?? ''}>
        <p className="muted small">
          What each distillation term compares, drawn by its loss's own code{shown ? ` at step ${shown.step.toLocaleString('en')}` : ''}.{' '}
          {status === 'training' ? 'Refreshed every few seconds while the run trains.' : ended ? 'The run has ended: its start and its end.' : ''}
        </p>
        <div className="matched-controls button-row">
          {shown && !shown.image ? null : (
            <>
          <button type="button" onClick={() => setImageIndex((i) => (i + testCount - 1) % Math.max(1, testCount))} disabled={testCount < 2} data-testid="matched-previous">
            Previous test image
          </button>
          <button type="button" onClick={() => setImageIndex((i) => (i + 1) % Math.max(1, testCount))} disabled={testCount < 2} data-testid="matched-next">
            Next test image
          </button>
            </>
          )}
          {ended ? <MomentChoice moment={moment} onMoment={setMoment} /> : null}
        </div>
        {view.message ? (
          <p className="inline-error" role="alert">
            {view.message}
          </p>
        ) : null}
        {shown ? <MatchedTerms view={sharedRanges(shown, other)} classNames={classNames} onOpenSoftLabels={onOpenSoftLabels} /> : <p className="muted small">Drawing…</p>}
      </div>
    </Panel>
  );
}

function MomentChoice({ moment, onMoment }: { moment: 'now' | 'start'; onMoment: (moment: 'now' | 'start') => void }) {
  const name = useId();
  return (
    <fieldset className="matched-moment">
      <legend className="small">Drawn</legend>
      {(
        [
          ['start', 'at the start'],
          ['now', 'at the end'],
        ] as const
      ).map(([value, label]) => (
        <label key={value} className="small">
          <input type="radio" name={name} value={value} checked={moment === value} onChange={() => onMoment(value)} data-testid={`matched-moment-${value}`} /> {label}
        </label>
      ))}
    </fieldset>
  );
}

const union = (a: [number, number], b: [number, number] | undefined): [number, number] => (b ? [Math.min(a[0], b[0]), Math.max(a[1], b[1])] : a);

/** `view` with each picture's colour ranges widened to cover the same picture in `other` (the run's start or end). */
export function sharedRanges(view: MatchedViewReply, other: MatchedViewReply | null): MatchedViewReply {
  if (!other) return view;
  const terms = view.terms.map((term, t): MatchedTerm => {
    const twin = other.terms[t];
    if (term.show === 'maps' && twin?.show === 'maps') {
      return { ...term, maps: term.maps.map((map, i) => ({ ...map, range: union(map.range, twin.maps[i]?.range), differenceRange: union(map.differenceRange, twin.maps[i]?.differenceRange) })) };
    }
    if (term.show === 'relations' && twin?.show === 'relations') {
      return { ...term, relations: term.relations.map((relation, i) => ({ ...relation, range: union(relation.range, twin.relations[i]?.range) })) };
    }
    return term;
  });
  return { ...view, terms };
}

function MatchedTerms({ view, classNames, onOpenSoftLabels }: { view: MatchedViewReply; classNames: string[] | undefined; onOpenSoftLabels: () => void }) {
  return (
    <>
      {view.terms.map((term, t) => (
        <section key={`${term.method}-${t}`} className="matched-term" aria-label={term.label} data-testid={`matched-term-${term.method}`}>
          <h3>{term.label}</h3>
          <TermPictures term={term} view={view} classNames={classNames} onOpenSoftLabels={onOpenSoftLabels} />
        </section>
      ))}
    </>
  );
}

function TermPictures({ term, view, classNames, onOpenSoftLabels }: { term: MatchedTerm; view: MatchedViewReply; classNames: string[] | undefined; onOpenSoftLabels: () => void }): ReactNode {
  if (term.show === 'soft-labels') {
    return (
      <p className="small">
        {term.label} matches the teacher's softened class probabilities, drawn on the{' '}
        <button type="button" className="link-button" onClick={onOpenSoftLabels}>
          Soft labels page
        </button>
        .
      </p>
    );
  }
  if (term.show === 'nothing') return <p className="muted small">{term.reason}</p>;
  if (term.show === 'layer-pairs') return term.layerPairs.map((pairs, i) => <LayerPairTables key={i} pairs={pairs} />);
  if (term.show === 'maps') return term.maps.map((map, i) => <MapPair key={i} map={map} against={term.against} image={view.image} className={view.image ? classNames?.[view.image.label] : undefined} />);
  return term.relations.map((relation, i) => <RelationPair key={i} relation={relation} against={term.against} labels={view.batch?.labels ?? new Int32Array(0)} boundaries={view.batch?.boundaries ?? []} />);
}

/** One layer pair over the chosen image: the image, the teacher's map, the student's, their difference. */
function MapPair({ map, against, image, className }: { map: MatchedMap; against: 'teacher' | 'peer'; image: MatchedImage | null; className: string | undefined }) {
  const scale = pixelScale([map.teacher.rows, map.teacher.columns, 1], MAP_SIDE);
  const differenceScale: ScaleKind = map.differenceKind === 'signed' ? 'diverging' : 'sequential';
  return (
    <div className="matched-pair" data-testid="matched-map">
      <p className="small">
        {map.layers.student} ↔ {map.layers.teacher}
      </p>
      <div className="matched-row">
        {image ? (
          <figure>
            <PixelImage pixels={image.pixels} shape={image.shape} scale={pixelScale(image.shape, MAP_SIDE)} label={`Test image ${image.index + 1}${className ? `, ${article(className)} ${className}` : ''}`} />
            <figcaption className="small">
              test image {image.index + 1}
              {className ? ` (${className})` : ''}
            </figcaption>
          </figure>
        ) : null}
        <GridPicture grid={map.teacher} range={map.range} kind="sequential" scale={scale} caption={map.captions.teacher} />
        <GridPicture grid={map.student} range={map.range} kind="sequential" scale={scale} caption={map.captions.student} />
        <GridPicture grid={map.difference} range={map.differenceRange} kind={differenceScale} scale={scale} caption={map.captions.difference} />
      </div>
      <div className="matched-legends">
        <Legend range={map.range} kind="sequential" label={`${against} and student`} />
        <Legend range={map.differenceRange} kind={differenceScale} label={map.differenceKind === 'signed' ? 'student − teacher' : 'per-position cost'} />
      </div>
    </div>
  );
}

/** One relation: the teacher's matrix and the student's, on one colour scale, class blocks marked. */
function RelationPair({ relation, against, labels, boundaries }: { relation: MatchedRelation; against: 'teacher' | 'peer'; labels: Int32Array; boundaries: number[] }) {
  // A samples × classes matrix is tall and narrow: wide enough to read its columns, at most about twice RELATION_SIDE tall.
  const { rows, columns } = relation.teacher;
  const scale = relation.columns === 'classes' ? Math.max(1, Math.min(Math.floor((2 * RELATION_SIDE) / rows), Math.ceil(80 / columns))) : pixelScale([rows, columns, 1], RELATION_SIDE);
  const marks = { rows: boundaries, columns: relation.columns === 'samples' ? boundaries : [] };
  const classes = new Set(labels).size;
  return (
    <div className="matched-pair" data-testid="matched-relation">
      <p className="small">{relation.caption}</p>
      <p className="small muted">
        Rows{relation.columns === 'samples' ? ' and columns' : ''}: {labels.length} test images, {Math.round(labels.length / Math.max(1, classes))} of each of the {classes} classes in class order; the lines mark where a class starts.
      </p>
      <div className="matched-row">
        <GridPicture grid={relation.teacher} range={relation.range} kind="sequential" scale={scale} caption={`${against} (${relation.layers.teacher})`} marks={marks} labels={labels} relation={relation.columns} />
        <GridPicture grid={relation.student} range={relation.range} kind="sequential" scale={scale} caption={`student (${relation.layers.student})`} marks={marks} labels={labels} relation={relation.columns} />
      </div>
      <Legend range={relation.range} kind="sequential" label="both matrices" />
    </div>
  );
}

interface GridPictureProps {
  grid: Grid;
  range: [number, number];
  kind: ScaleKind;
  scale: number;
  caption: string;
  /** Class boundaries (positions where a class starts) to mark on a relation's rows and columns. */
  marks?: { rows: number[]; columns: number[] };
  labels?: Int32Array;
  relation?: 'samples' | 'classes';
}

/** A grid drawn pixel for pixel at an integer scale, focusable, described in words. */
function GridPicture({ grid, range, kind, scale, caption, marks, labels, relation }: GridPictureProps) {
  const description = useMemo(() => (relation ? describeRelation(caption, grid, relation, labels ?? []) : describeMap(caption, grid)), [caption, grid, relation, labels]);
  const src = useMemo(() => bitmapUrl(gridPixels(grid, range, kind), [grid.rows, grid.columns, 3]), [grid, range, kind]);
  return (
    <figure>
      <div className="matched-grid" style={{ width: grid.columns * scale, height: grid.rows * scale }} tabIndex={0} role="img" aria-label={description} title={description}>
        <img src={src} width={grid.columns * scale} height={grid.rows * scale} alt="" className="pixel-image" />
        {marks?.rows.map((at) => <span key={`r${at}`} className="matched-mark matched-mark-row" style={{ top: at * scale }} />)}
        {marks?.columns.map((at) => <span key={`c${at}`} className="matched-mark matched-mark-column" style={{ left: at * scale }} />)}
      </div>
      <figcaption className="small">{caption}</figcaption>
    </figure>
  );
}

/** AFD: teacher layers (rows) by student layers (columns), as numbers with shades, on the batch. */
function LayerPairTables({ pairs }: { pairs: MatchedLayerPairs }) {
  const tables: { key: string; caption: string; grid: Grid; range: [number, number] }[] = [
    { key: 'attention', caption: pairs.captions.attention, grid: pairs.attention, range: [0, 1] },
    { key: 'distance', caption: pairs.captions.distance, grid: pairs.distance, range: pairs.distanceRange },
    { key: 'weighted', caption: pairs.captions.weighted, grid: pairs.weighted, range: pairs.weightedRange },
  ];
  return (
    <div className="matched-row" data-testid="matched-layer-pairs">
      {tables.map(({ key, caption, grid, range }) => {
        const rows = Array.from({ length: grid.rows }, (_, r) => Array.from(grid.values.subarray(r * grid.columns, (r + 1) * grid.columns)));
        return (
          <Heatmap
            key={key}
            caption={caption}
            corner={'teacher \\ student'}
            rowNames={pairs.layers.teacher}
            columnNames={pairs.layers.student}
            values={rows}
            format={formatValue}
            intensity={(value) => (range[1] > range[0] ? (value - range[0]) / (range[1] - range[0]) : 0)}
            describe={(value, r, c) => `${caption}: teacher ${pairs.layers.teacher[r]}, student ${pairs.layers.student[c]}: ${formatValue(value)}`}
            testId={`matched-${key}`}
            label={caption}
          />
        );
      })}
    </div>
  );
}

/** The colour scale with its two ends' values. */
function Legend({ range, kind, label }: { range: [number, number]; kind: ScaleKind; label: string }) {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => `rgb(${scaleColour(kind, t).map(Math.round).join(' ')}) ${t * 100}%`).join(', ');
  return (
    <div className="matched-legend small" data-testid="matched-legend">
      <span>{formatValue(range[0])}</span>
      <span className="matched-legend-bar" style={{ background: `linear-gradient(to right, ${stops})` }} aria-hidden="true" />
      <span>{formatValue(range[1])}</span>
      <span className="muted">{label}</span>
    </div>
  );
}
