// The contract's char-code scanners (the ingest hot path) against the documented patterns they
// replace: for every generated input, scanner and pattern agree.
import { describe, expect, it } from 'vitest';
import { DECIMAL_PATTERN, normalizeDecimal } from '../contracts/decimal.js';
import { CONTROL_PATTERN, COUNTRY_PATTERN, CURRENCY_PATTERN, TIMESTAMP_PATTERN, ZONE_PATTERN } from '../contracts/event.js';
import { hasControlOrPadding, isPadded, isUpperCode, isWellFormed, isZoneName, scanDecimal, scanEventTime } from '../contracts/scan.js';
import { prng } from '../devkit/generator.js';

const rand = prng(20261201);
const pick = (alphabet: string, max: number): string => {
  let s = '';
  const n = Math.floor(rand() * (max + 1));
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
};
const mutate = (s: string, alphabet: string): string => {
  const i = Math.floor(rand() * (s.length + 1));
  const c = alphabet[Math.floor(rand() * alphabet.length)]!;
  const op = rand();
  return op < 0.33 ? s.slice(0, i) + c + s.slice(i) : op < 0.66 ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + c + s.slice(i + 1);
};

/** The timestamp rule as the regex form states it, with the calendar checks (the reference). */
function referenceTime(value: string): number | undefined {
  const m = TIMESTAMP_PATTERN.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1900 || year > 2299 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, m[7] ? Number(m[7].slice(1).padEnd(3, '0')) : 0);
}

describe('contract scanners agree with the patterns', () => {
  it('decimals: accepted exactly when DECIMAL_PATTERN matches, canonical form as normalizeDecimal', () => {
    const seeds = [
      '0',
      '0.5',
      '1500.00',
      '99999999999999.9999',
      '123456789012345',
      '007',
      '.5',
      '5.',
      '-1',
      '1e3',
      '10.12345',
      ' 5',
      '0.0001',
    ];
    const inputs = [...seeds];
    for (let i = 0; i < 20_000; i++)
      inputs.push(rand() < 0.5 ? pick('0123456789.-e ', 20) : mutate(seeds[i % seeds.length]!, '0123456789.-+e '));
    for (const s of inputs) {
      const scanned = scanDecimal(s);
      expect(scanned !== undefined, s).toBe(DECIMAL_PATTERN.test(s));
      if (scanned !== undefined) expect(scanned, s).toBe(normalizeDecimal(s));
    }
  });

  it('timestamps: same epoch ms as the pattern plus calendar rules, undefined on the same inputs', () => {
    const seeds = [
      '2026-11-27T10:15:30.123Z',
      '2026-11-27T10:15:30Z',
      '2024-02-29T00:00:00.1Z',
      '2026-02-29T00:00:00Z',
      '1899-12-31T23:59:59Z',
      '2299-12-31T23:59:59.99Z',
      '2026-11-27T24:00:00Z',
    ];
    const inputs = [...seeds];
    for (let i = 0; i < 20_000; i++) {
      const ms = Date.UTC(1890, 0, 1) + Math.floor(rand() * (Date.UTC(2310, 0, 1) - Date.UTC(1890, 0, 1)));
      const iso = new Date(ms).toISOString();
      const r = rand();
      inputs.push(
        r < 0.3
          ? iso
          : r < 0.5
            ? iso.replace(/\.\d+Z$/, 'Z')
            : r < 0.6
              ? `${iso.slice(0, 21 + Math.floor(rand() * 3))}Z`
              : mutate(seeds[i % seeds.length]!, '0123456789-:.TZ +'),
      );
    }
    for (const s of inputs) expect(scanEventTime(s), s).toBe(referenceTime(s));
  });

  it('codes: upper-case letters of the exact length', () => {
    for (let i = 0; i < 5_000; i++) {
      const s = pick('ABCXYZaz0 É', 4);
      expect(isUpperCode(s, 3), s).toBe(CURRENCY_PATTERN.test(s));
      expect(isUpperCode(s, 2), s).toBe(COUNTRY_PATTERN.test(s));
    }
  });

  it('names: control characters or surrounding white space, as CONTROL_PATTERN and trim() say', () => {
    const alphabet = 'ab Dé\n\t\u0000\u001f\u007f\u00a0\u2003\u3000\ufeff\u2028-';
    for (let i = 0; i < 20_000; i++) {
      const s = pick(alphabet, 6);
      expect(hasControlOrPadding(s), JSON.stringify(s)).toBe(CONTROL_PATTERN.test(s) || s.trim() !== s);
      // The padding half alone (what the decode path checks once the text rules out control characters).
      expect(isPadded(s), JSON.stringify(s)).toBe(s.trim() !== s);
    }
  });

  it('zones: exactly what ZONE_PATTERN accepts', () => {
    const alphabet = 'AWZaz09_*: -\u200b\ufeff\u00a0É';
    const inputs = ['WAEMU', 'CEMAC', 'WAMZ', 'WAEMU\u200b', '*', 'WA:EMU', 'Z'.repeat(32), 'Z'.repeat(33), '_A', '9A'];
    for (let i = 0; i < 20_000; i++) inputs.push(pick(alphabet, 8));
    for (const s of inputs) expect(isZoneName(s, 32), JSON.stringify(s)).toBe(ZONE_PATTERN.test(s));
  });

  it('well-formed Unicode: false exactly when a surrogate is not part of a pair', () => {
    const alphabet = 'a\ud800\udbff\udc00\udfffé😀';
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    for (let i = 0; i < 20_000; i++) {
      const s = pick(alphabet, 6);
      expect(isWellFormed(s), JSON.stringify(s)).toBe(!lone.test(s));
      if (isWellFormed(s)) expect(Buffer.from(s, 'utf8').toString('utf8')).toBe(s);
    }
  });
});
