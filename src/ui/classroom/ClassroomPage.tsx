// The classroom sequence: one link a teacher projects (?view=classroom), four steps, each one
// sentence and one button: soft labels at a temperature, the few-label race, the never-seen class,
// and what a feature method matches (attention transfer, drawn live on the Lab page).
import { startRunWhenReady } from '../../state/runLifecycle';
import { startComparison } from '../../state/compareQueue';
import { choosePreset } from '../../state/presetActions';
import { getPreset } from '../../state/presets';
import { useRunActive } from '../hooks';
import type { ViewId } from '../views';

interface Step {
  id: string;
  title: string;
  sentence: string;
  button: string;
  /** What the button does; returns the page to show next. */
  act(): ViewId;
}

const STEPS: readonly Step[] = [
  {
    id: 'soft-labels',
    title: 'Soft labels',
    sentence:
      "A hard label says only 'this is a 7'. The teacher's soft label, its softmax at a temperature T, also says how much the 7 looks like a 1 or a 9: drag T and watch that dark knowledge appear.",
    button: 'Show the soft labels',
    act: () => 'explore',
  },
  {
    id: 'few-labels',
    title: 'The few-label race',
    sentence: `With only 200 labelled images, the same student learns from hard labels, from a mix, and from the teacher's soft labels alone, three seeds each: soft labels win by several points. ${getPreset('soft-vs-hard').label}.`,
    button: 'Start the race',
    act: () => {
      choosePreset('soft-vs-hard');
      void startComparison();
      return 'compare';
    },
  },
  {
    id: 'never-seen',
    title: 'A digit never seen',
    sentence:
      'Now every 3 is taken out of the training images. Trained on the soft labels of the other digits, the student still recognises most 3s: what a 3 looks like travelled inside the soft labels of 5s, 8s and 9s.',
    button: 'Train without any 3',
    act: () => {
      choosePreset('never-seen');
      startRunWhenReady();
      return 'lab';
    },
  },
  {
    id: 'matched',
    title: 'What a feature method matches',
    sentence:
      'Soft labels are one thing to copy; a teacher also has insides. With attention transfer the student learns to look where the teacher looks: the Lab draws both attention maps over a digit and their difference, which shrinks as it trains.',
    button: 'Show attention transfer',
    act: () => {
      choosePreset('see-attention');
      startRunWhenReady();
      return 'lab';
    },
  },
];

export function ClassroomPage({ onOpen }: { onOpen: (view: ViewId) => void }) {
  const active = useRunActive();
  return (
    <section className="classroom-page" aria-labelledby="classroom-heading">
      <h2 id="classroom-heading">What distillation does, in four steps</h2>
      <p className="muted">One sentence and one button each; every step opens the page where it happens.</p>
      <ol className="classroom-steps">
        {STEPS.map((step, index) => (
          <li key={step.id} className="classroom-step" data-testid={`classroom-step-${step.id}`}>
            <h3>
              <span className="step-number">{index + 1}</span> {step.title}
            </h3>
            <p>{step.sentence}</p>
            <button
              type="button"
              className="primary"
              data-testid={`classroom-go-${step.id}`}
              disabled={step.id !== 'soft-labels' && active}
              onClick={() => onOpen(step.act())}
            >
              {step.button}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
