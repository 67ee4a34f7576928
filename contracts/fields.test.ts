// The one length function: code points, as JSON Schema counts them, with the fast paths agreeing
// with a plain count over every string shape that matters (BMP, astral, lone surrogates).
import { describe, expect, it } from 'vitest';
import { textLength, withinLength } from './fields.js';

const codePoints = (s: string) => [...s].length;

describe('textLength / withinLength', () => {
  it('counts code points: an emoji is 1, a lone surrogate is 1', () => {
    expect(textLength('')).toBe(0);
    expect(textLength('Dakar')).toBe(5);
    expect(textLength('Thiès')).toBe(5);
    expect(textLength('😀'.repeat(3))).toBe(3);
    expect(textLength('a\ud800b')).toBe(3);
    expect(textLength('\udc00\ud800')).toBe(2);
    expect(textLength('\ud83d')).toBe(1);
  });

  it('agrees with a plain count, and withinLength with 1..max of it, on mixed strings', () => {
    const pieces = ['a', 'é', '😀', '\ud800', '\udfff', ' ', '𝔸'];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 2_000; k++) {
      const n = Math.floor(rand() * 20);
      const s = Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]!).join('');
      expect(textLength(s), JSON.stringify(s)).toBe(codePoints(s));
      for (const max of [1, 5, 8, 12])
        expect(withinLength(s, max), `${JSON.stringify(s)} <= ${max}`).toBe(codePoints(s) >= 1 && codePoints(s) <= max);
    }
  });

  it('decides at the limit both ways', () => {
    expect(withinLength('😀'.repeat(64), 64)).toBe(true);
    expect(withinLength(`${'😀'.repeat(64)}x`, 64)).toBe(false);
    expect(withinLength('x'.repeat(64), 64)).toBe(true);
    expect(withinLength('x'.repeat(65), 64)).toBe(false);
    expect(withinLength('', 64)).toBe(false);
  });
});
