// The Models panel's "Train a teacher" for a dataset no shipped teacher knows, rendered to HTML:
// a labelled select of the teacher architectures, teacher-resnet suggested and chosen for 32×32
// colour images with its cost in the help the select points to, teacher-cnn for grey ones.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelsPanel } from '../../../src/ui/panels/ModelsPanel';
import { labStore } from '../../../src/state/store';
import { DEFAULT_CONFIG } from '../../../src/train/config';
import { TEACHER_COST_NOTES } from '../../../src/state/teacherTraining';
import type { DatasetSummary } from '../../../src/worker/protocol';

// The panels read the classroom link's hidden controls from the page's address: none here.
vi.stubGlobal('window', { location: { search: '' } });
const initial = labStore.getState();
// Server rendering reads zustand's initial state (useSyncExternalStore's server snapshot): make it the current one.
vi.spyOn(labStore, 'getInitialState').mockImplementation(() => labStore.getState());
afterEach(() => labStore.setState(initial, true));

function render(inputShape: [number, number, number]): string {
  const dataset = 'upload:mine';
  const summary: DatasetSummary = {
    id: dataset, name: 'mine', inputShape, numClasses: 10, classNames: [...'0123456789'], description: '', source: 'your files',
    sizes: { train: 900, val: 100, test: 200 }, classCounts: Array(10).fill(90), samples: [],
  };
  labStore.setState({
    config: { ...DEFAULT_CONFIG, dataset },
    datasets: { [dataset]: { status: 'ready', fraction: 1, message: '', summary } },
    teacherIndex: { status: 'ready', cards: [], message: '' },
    parameters: { [dataset]: { 'teacher-cnn': 532_202, 'teacher-resnet': 77_706 } },
  });
  return renderToStaticMarkup(createElement(ModelsPanel));
}

/** The select with this test id, and the option it shows selected. */
function select(html: string, testId: string): { tag: string; selected: string | undefined; options: string[] } {
  const match = new RegExp(`<select[^>]*data-testid="${testId}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!match) throw new Error(`no select ${testId} in ${html}`);
  const options = [...match[1].matchAll(/<option value="([^"]+)"[^>]*>/g)].map((m) => m[1]);
  const selected = /<option value="([^"]+)" selected=""/.exec(match[1])?.[1];
  return { tag: match[0].slice(0, match[0].indexOf('>') + 1), selected, options };
}

describe('Train a teacher: the architecture choice', () => {
  it('suggests teacher-resnet on 32×32 colour, labelled, with its cost in the help it points to', () => {
    const html = render([32, 32, 3]);
    const choice = select(html, 'train-teacher-architecture');
    expect(choice.options).toEqual(['teacher-cnn', 'teacher-resnet']);
    expect(choice.selected).toBe('teacher-resnet');
    const id = /id="([^"]+)"/.exec(choice.tag)![1];
    expect(html).toContain(`<label for="${id}">Teacher to train</label>`);
    expect(choice.tag).toContain(`aria-describedby="${id}-help"`);
    expect(html).toContain(`id="${id}-help">${TEACHER_COST_NOTES['teacher-resnet']}</p>`);
    expect(html).toMatch(/ResNet-style teacher \(suggested\) — 77\.7k params/);
    expect(html).toMatch(/train teacher-resnet on it here/);
  });

  it('keeps teacher-cnn for grey images', () => {
    const choice = select(render([28, 28, 1]), 'train-teacher-architecture');
    expect(choice.selected).toBe('teacher-cnn');
  });
});
