// The layer pickers rendered to HTML: a mutual method that reads layers (UDML) pairs the student
// with its peer, so the second select of each pair is labelled "Peer", lists the peer's taps the
// worker checked, and the help says "student and peer"; a teacher method's still says "Teacher".
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LayerPicker } from '../../../src/ui/panels/LayerPicker';
import { labStore } from '../../../src/state/store';
import { layerRequest } from '../../../src/state/problems';
import { DEFAULT_CONFIG, distillTerms, withMethod, type ExperimentConfig } from '../../../src/train/config';
import type { Tap } from '../../../src/models/taps';

vi.stubGlobal('window', { location: { search: '' } });
const initial = labStore.getState();
// Server rendering reads zustand's initial state (useSyncExternalStore's server snapshot): make it the current one.
vi.spyOn(labStore, 'getInitialState').mockImplementation(() => labStore.getState());
afterEach(() => labStore.setState(initial, true));

const student: Tap[] = [
  { name: 'block1', shape: [8, 8, 16], kind: 'block' },
  { name: 'block2', shape: [8, 8, 32], kind: 'block' },
];
const other: Tap[] = [...student, { name: 'block3', shape: [4, 4, 64], kind: 'block' }];

function render(config: ExperimentConfig): string {
  labStore.setState({ config });
  const key = layerRequest(labStore.getState())?.key ?? '';
  const [term] = distillTerms(config);
  const layers = { studentLayers: ['block2'], teacherLayers: ['block2'] };
  labStore.setState({
    layerCheck: { key, status: 'ready', studentTaps: student, teacherTaps: other, terms: [{ method: term.method, readsLayers: true, ...layers, defaults: layers, problem: null }], message: '' },
  });
  return renderToStaticMarkup(createElement(LayerPicker, { index: 0, term, testIdPrefix: '', disabled: false }));
}

const labels = (html: string) => [...html.matchAll(/<label for="[^"]+">([^<]+)<\/label>/g)].map((m) => m[1]);

describe('the layer picker', () => {
  it('labels UDML’s second network the peer, with the peer’s layers', () => {
    const html = render(withMethod(DEFAULT_CONFIG, 'udml'));
    expect(labels(html)).toEqual(['Student, pair 1', 'Peer, pair 1']);
    expect(html).not.toMatch(/Teacher/);
    expect(html).toMatch(/student and peer paired by position/);
    const peerSelect = /<select[^>]*data-testid="teacher-layer-select-0"[^>]*>([\s\S]*?)<\/select>/.exec(html)![1];
    expect([...peerSelect.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(['block1', 'block2', 'block3']);
  });

  it('keeps "Teacher" for a teacher method', () => {
    const html = render(withMethod(DEFAULT_CONFIG, 'at'));
    expect(labels(html)).toEqual(['Student, pair 1', 'Teacher, pair 1']);
    expect(html).toMatch(/student and teacher paired by position/);
  });
});
