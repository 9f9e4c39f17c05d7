// A backend race's verdict is kept by its key, so that the next worker in this browser takes it
// instead of racing again (the race costs seconds and leaves a software GPU busy after it).
import { describe, expect, it } from 'vitest';
import { BACKEND_RACES_KEY, rememberedRaces, rememberRace } from '../../src/state/door';
import { raceKey } from '../../src/worker/backend';

function memory() {
  const items = new Map<string, string>();
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), items };
}

describe('kept backend races', () => {
  it('keeps each verdict under its key, the latest winning, and reads nothing from a broken or blocked storage', () => {
    const storage = memory();
    expect(rememberedRaces(storage)).toEqual({});
    rememberRace({ key: 'a', backend: 'wasm', why: 'wasm is 5× faster than cpu' }, storage);
    rememberRace({ key: 'b', backend: 'cpu', why: 'cpu is 1.2× faster than wasm' }, storage);
    rememberRace({ key: 'a', backend: 'cpu', why: 'cpu won this time' }, storage);
    expect(rememberedRaces(storage)).toEqual({ a: { backend: 'cpu', why: 'cpu won this time' }, b: { backend: 'cpu', why: 'cpu is 1.2× faster than wasm' } });
    storage.items.set(BACKEND_RACES_KEY, '{not json');
    expect(rememberedRaces(storage)).toEqual({});
    expect(rememberedRaces(undefined)).toEqual({});
    const full = { getItem: () => null, setItem: () => { throw new DOMException('full', 'QuotaExceededError'); } };
    expect(() => rememberRace({ key: 'a', backend: 'wasm', why: '' }, full)).not.toThrow();
  });

  it('keys a race by adapter, candidates, threads and browser: another browser version races again', () => {
    const chrome = 'Mozilla/5.0 Chrome/142.0.0.0';
    const key = raceKey('google swiftshader', ['wasm', 'cpu', 'webgpu'], 8, chrome);
    expect(key).toBe(`google swiftshader | wasm + cpu + webgpu | 8 threads | ${chrome}`);
    expect(raceKey('', ['wasm', 'cpu'], 1, chrome)).toBe(`no GPU adapter | wasm + cpu | 1 thread | ${chrome}`);
    for (const other of [
      raceKey('google swiftshader', ['wasm', 'cpu', 'webgpu'], 8, 'Mozilla/5.0 Chrome/143.0.0.0'),
      raceKey('google swiftshader', ['wasm', 'cpu', 'webgpu'], 4, chrome),
      raceKey('mesa llvmpipe', ['wasm', 'cpu', 'webgpu'], 8, chrome),
      raceKey('google swiftshader', ['cpu', 'webgpu'], 8, chrome),
    ]) expect(other).not.toBe(key);
  });
});
