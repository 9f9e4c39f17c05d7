// Switching between one method and a recipe, and the request the layer pickers send the worker.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { layerCheckRequest } from '../../src/state/layerSlice';
import type { SettledTeacher } from '../../src/state/teacherChoice';
import { RECIPE_METHODS, newTerm, toRecipe, toSingleMethod, withTerms } from '../../src/state/recipe';

const SHIPPED: SettledTeacher = { key: 'digits|digits-teacher-cnn', source: { kind: 'shipped', id: 'digits-teacher-cnn' }, label: 'Teacher CNN' };
const UNSETTLED: SettledTeacher = { key: null, problem: 'Loading the teacher catalog…' };

describe('recipe steps', () => {
  it('a recipe holds every method except none and dml', () => {
    expect(RECIPE_METHODS.map((m) => m.id)).toEqual(['kd', 'dkd', 'dist', 'at', 'sp', 'nst', 'fitnet', 'mgd', 'vid', 'afd', 'rkd', 'pkt', 'irg']);
  });

  it('one method becomes a one-term recipe and back, keeping weight, parameters and layers', () => {
    const at: ExperimentConfig = { ...withMethod(DEFAULT_CONFIG, 'at'), kdRatio: 500, params: { p: 3 }, studentLayers: ['block2'], teacherLayers: ['block1'] };
    const recipe = toRecipe(at);
    expect(recipe.terms).toEqual([{ method: 'at', weight: 500, params: { p: 3 }, studentLayers: ['block2'], teacherLayers: ['block1'] }]);
    expect(recipe.studentLayers).toBeUndefined();
    expect(toSingleMethod(recipe)).toEqual(at);
  });

  it('none and dml start a recipe with kd', () => {
    expect(toRecipe(withMethod(DEFAULT_CONFIG, 'none')).terms).toEqual([{ method: 'kd', weight: 0.9, params: { temperature: 4 } }]);
    expect(toRecipe(withMethod(DEFAULT_CONFIG, 'dml')).terms?.map((t) => t.method)).toEqual(['kd']);
  });

  it('the single-method fields follow the first term', () => {
    const dkd = { ...newTerm('dkd'), params: { ...newTerm('dkd').params, temperature: 2 } };
    const config = withTerms(DEFAULT_CONFIG, [dkd, newTerm('at')]);
    expect(config).toMatchObject({ method: 'dkd', kdRatio: 1, params: { alpha: 1, beta: 8, temperature: 2, warmupFraction: 20 / 240, warmupEpochs: 0 } });
  });
});

describe('layerCheckRequest', () => {
  it('asks nothing for logit methods, and asks for a layer-reading term of a recipe', () => {
    expect(layerCheckRequest(DEFAULT_CONFIG, SHIPPED)).toBeNull();
    const recipe = withTerms(DEFAULT_CONFIG, [newTerm('kd'), newTerm('at')]);
    const request = layerCheckRequest(recipe, SHIPPED);
    expect(request).toMatchObject({ dataset: 'digits', student: 'tiny-cnn', teacher: { kind: 'shipped', id: 'digits-teacher-cnn' } });
    expect(request?.terms.map((t) => t.method)).toEqual(['kd', 'at']);
  });

  it('waits for a settled teacher, and its key changes with the layers', () => {
    const at = withMethod(DEFAULT_CONFIG, 'at');
    expect(layerCheckRequest(at, UNSETTLED)).toBeNull();
    expect(layerCheckRequest({ ...at, teacher: 'custom' }, { key: null, problem: 'Load your teacher on the Lab page first.' })).toBeNull();
    expect(layerCheckRequest({ ...at, teacher: 'custom' }, { key: 'digits|custom:model.json:5', source: { kind: 'uploaded' }, label: 'your teacher (model.json)' })?.teacher).toEqual({ kind: 'uploaded' });
    const base = layerCheckRequest(at, SHIPPED)!.key;
    expect(layerCheckRequest({ ...at, studentLayers: ['block1'] }, SHIPPED)!.key).not.toBe(base);
    expect(layerCheckRequest({ ...at, student: 'small-cnn' }, SHIPPED)!.key).not.toBe(base);
    expect(layerCheckRequest({ ...at, lr: 0.1 }, SHIPPED)!.key).toBe(base);
  });

  it('asks a mutual method that reads layers (UDML) for its peer’s layers, without waiting for a teacher, and keys the request by the peer', () => {
    const udml = withMethod(DEFAULT_CONFIG, 'udml');
    const request = layerCheckRequest(udml, UNSETTLED);
    expect(request).toMatchObject({ student: 'tiny-cnn', teacher: null, peer: 'tiny-cnn' });
    const other = layerCheckRequest({ ...udml, peerStudent: 'small-cnn' }, UNSETTLED);
    expect(other?.peer).toBe('small-cnn');
    expect(other?.key).not.toBe(request?.key);
    expect(layerCheckRequest(udml, SHIPPED)?.key).toBe(request?.key);
    // DML reads only the logits; a teacher method names no peer.
    expect(layerCheckRequest(withMethod(DEFAULT_CONFIG, 'dml'), UNSETTLED)).toBeNull();
    expect(layerCheckRequest({ ...withMethod(DEFAULT_CONFIG, 'at'), peerStudent: 'small-cnn' }, SHIPPED)?.peer).toBeNull();
  });
});
