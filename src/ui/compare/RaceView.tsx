// A comparison told as a race (a preset's story), made for a projector: where the race is, one
// big score per lane that fills in as its seeds finish, and at the end one sentence with the
// measured gap. The curves and the table follow it on the Compare page.
import { useEffect, useMemo, useState } from 'react';
import { useCompare } from '../../state/compare';
import { resultTable } from '../../state/compareTable';
import { raceLanes, raceSentence, type RaceLane } from '../../state/race';
import { RUN_COLOURS } from '../charts/theme';
import { formatDuration } from '../../state/estimate';
import { fileStem, scoreboardPng } from '../charts/exportPicture';
import { downloadBlob } from './download';

export function RaceView({ onShowTable }: { onShowTable(): void }) {
  const race = useCompare((s) => s.race);
  const entries = useCompare((s) => s.entries);
  const queue = useCompare((s) => s.queue);
  // The table is rebuilt only when the entries change, not when the queue alone moves.
  const lanes = useMemo(() => {
    const table = resultTable(entries);
    return raceLanes(table.configurations, table.runsByGroup);
  }, [entries]);
  if (!race || entries.length === 0) return null;
  const running = queue.status !== 'idle';
  const sentence = running ? null : raceSentence(race, lanes);
  const current = running ? entries[queue.current] : undefined;
  return (
    <section className="panel race" aria-labelledby="race-title" data-testid="race-view" data-status={queue.status}>
      <div className="race-header">
        <h2 id="race-title">{race.title}</h2>
        <Elapsed startedAt={queue.startedAt} endedAt={running ? undefined : queue.endedAt} />
      </div>
      <div className="race-progress" aria-live="polite">
        <p className="race-status" data-testid="race-status">
          {current
            ? // The bar below carries the progress: a run's own percentage, drawn once a second, read "0 %" through most of a sub-second run.
              `Run ${queue.current + 1} of ${queue.total}: ${current.label}${current.kind === 'student' ? `, seed ${current.config.seed}` : ''}`
            : queue.status === 'idle' && queue.endedAt
              ? `Finished: ${queue.total} runs`
              : 'Waiting to start'}
        </p>
        <progress data-testid="race-progress" max={Math.max(queue.total, 1)} value={running ? queue.current + (current?.progress ?? 0) : queue.total} aria-label="Progress of the race" />
      </div>
      <ol className="race-lanes" aria-label="Scores: test accuracy, mean over the finished seeds">
        {lanes.map((lane, i) => (
          <Lane key={lane.group} lane={lane} colour={RUN_COLOURS[i % RUN_COLOURS.length]} />
        ))}
      </ol>
      {sentence ? (
        <p className="race-sentence" data-testid="race-sentence" role="status">
          {sentence}
        </p>
      ) : (
        <p className="race-sentence-pending muted">{running ? 'The result appears here in one sentence when every seed has finished.' : 'The race did not finish every seed: no result to announce.'}</p>
      )}
      <div className="button-row">
        <button type="button" data-testid="race-show-table" onClick={onShowTable}>
          Show the table
        </button>
        <button
          type="button"
          data-testid="race-png"
          onClick={() => void saveScoreboard(race.title, lanes, sentence)}
          title="The scores and the sentence as a PNG picture for a slide (1600×900)"
        >
          Scoreboard as PNG
        </button>
      </div>
    </section>
  );
}

async function saveScoreboard(title: string, lanes: readonly RaceLane[], sentence: string | null): Promise<void> {
  const style = getComputedStyle(document.documentElement);
  const colour = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const picture = await scoreboardPng(
    {
      title,
      lanes: lanes.map((lane, i) => ({
        label: lane.label,
        score: lane.mean === null ? '—' : `${(lane.mean * 100).toFixed(1)} %`,
        detail: `${lane.spread === null ? '' : `± ${(lane.spread * 100).toFixed(1)} · `}${lane.finished} of ${lane.seeds} seeds`,
        colour: colour(`--run-${(i % 10) + 1}`, '#3b6fd8'),
      })),
      sentence,
    },
    { background: colour('--panel', '#ffffff'), ink: colour('--text', '#1f2430'), muted: colour('--muted', '#5a6376'), card: colour('--panel-sunken', '#f8f9fb') },
  );
  downloadBlob(`${fileStem(title)}.png`, picture);
}

function Lane({ lane, colour }: { lane: RaceLane; colour: string }) {
  const score = lane.mean === null ? '—' : `${(lane.mean * 100).toFixed(1)} %`;
  const spread = lane.spread === null ? '' : `± ${(lane.spread * 100).toFixed(1)} · `;
  return (
    <li className="race-lane" data-testid="race-lane" data-label={lane.label} style={{ borderTopColor: colour }}>
      <span className="race-lane-label">
        <span className="race-swatch" style={{ background: colour }} aria-hidden="true" />
        {lane.label}
      </span>
      <span className="race-score" data-testid="race-score" data-value={lane.mean ?? ''}>
        {score}
      </span>
      <span className="race-seeds muted">
        {spread}
        {lane.finished} of {lane.seeds} seed{lane.seeds === 1 ? '' : 's'}
      </span>
    </li>
  );
}

/** Seconds since the race started, ticking while it runs. */
function Elapsed({ startedAt, endedAt }: { startedAt?: number; endedAt?: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (endedAt !== undefined || startedAt === undefined) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [startedAt, endedAt]);
  if (startedAt === undefined) return null;
  const seconds = Math.max(0, ((endedAt ?? now) - startedAt) / 1000);
  return (
    <span className="race-elapsed muted" data-testid="race-elapsed" data-seconds={seconds.toFixed(1)}>
      {endedAt !== undefined ? `took ${formatDuration(seconds)}` : formatDuration(seconds)}
    </span>
  );
}
