// Decoding a Kafka value (bytes or text) gives exactly the verdict the validator gives the parsed
// object. The decode path takes shortcuts the object path cannot (it knows the JSON text: no
// backslash and no U+007F means no string can hold a control character or a lone surrogate), so
// hostile values in every field, escaped and raw, are run through both and must agree.
import { describe, expect, it } from 'vitest';
import { decodeEvent, EVENT_TYPES, validateEvent } from '../contracts/event.js';
import { prng } from '../devkit/generator.js';
import { VALID_AT, VALID_EVENT } from './support/valid-event.js';

const NOW = VALID_AT;
const valid: Record<string, unknown> = { ...VALID_EVENT };
const FIELDS = Object.keys(valid);
// Control characters, DEL, lone and paired surrogates, white space trim() strips, a backslash and a
// quote (escaped by JSON.stringify), zero-width and non-Latin-1 text.
const HOSTILE = 'aZ09_-. \u0000\u0009\u001f\u007f\u00a0\u2028\u3000\ufeff\u200b\ud800\udc00\ud83d\ude00\\"éÉ';

describe('decoding agrees with validating the parsed object', () => {
  const rand = prng(20261202);
  const pick = (max: number): string => {
    let s = '';
    const n = Math.floor(rand() * (max + 1));
    for (let i = 0; i < n; i++) s += HOSTILE[Math.floor(rand() * HOSTILE.length)];
    return s;
  };

  it('for hostile values in every field, as bytes and as text', () => {
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const event = { ...valid };
      const field = FIELDS[i % FIELDS.length]!;
      const original = String(valid[field]);
      // Mostly one character inserted into a valid value, so most records fail on one rule only.
      const at = Math.floor(rand() * (original.length + 1));
      event[field] = rand() < 0.7 ? original.slice(0, at) + pick(2) + original.slice(at) : pick(6);
      const topic = EVENT_TYPES[i % EVENT_TYPES.length]!;
      const text = JSON.stringify(event);
      const expected = validateEvent(topic, JSON.parse(text), NOW);
      expect(decodeEvent(topic, Buffer.from(text, 'utf8'), NOW), text).toEqual(expected);
      expect(decodeEvent(topic, text, NOW), text).toEqual(expected);
      if (expected.ok) accepted++;
      else rejected++;
    }
    // Both sides reached.
    expect(accepted).toBeGreaterThan(1_000);
    expect(rejected).toBeGreaterThan(1_000);
  });

  it('for characters JSON lets stand raw: DEL, line separators, a lone surrogate in a text value', () => {
    const cases: Array<[field: string, raw: string]> = [
      ['city', 'Dak\u007far'],
      ['merchant_id', '\u007fm_1'],
      ['event_id', 'evt\u007f'],
      ['city', '\u2028Dakar'],
      ['city', 'Dakar\u3000'],
      ['city', 'Da\ud800kar'],
      ['event_id', 'evt_\udfff'],
      ['merchant_id', 'm_\ud83d'],
      ['city', 'Dakar \ud83d\ude00'],
    ];
    for (const [field, raw] of cases) {
      // The raw character written into the JSON text as is (JSON.stringify would keep DEL and
      // U+2028 raw too, but escapes a lone surrogate).
      const text = JSON.stringify({ ...valid, [field]: 'PLACEHOLDER' }).replace('PLACEHOLDER', raw);
      const expected = validateEvent('invoice.paid', JSON.parse(text), NOW);
      expect(decodeEvent('invoice.paid', text, NOW), text).toEqual(expected);
      expect(decodeEvent('invoice.paid', Buffer.from(text, 'utf8'), NOW), text).toEqual(
        validateEvent('invoice.paid', JSON.parse(Buffer.from(text, 'utf8').toString('utf8')), NOW),
      );
    }
    // A raw control character is not JSON, wherever it stands in a string.
    for (const field of FIELDS) {
      const text = JSON.stringify({ ...valid, [field]: 'PLACEHOLDER' }).replace('PLACEHOLDER', `${String(valid[field])}\u0001`);
      expect(decodeEvent('invoice.paid', text, NOW), text).toMatchObject({ ok: false, reject: { code: 'invalid_json' } });
    }
    expect(decodeEvent('invoice.paid', JSON.stringify({ ...valid, city: 'Dak\u007far' }), NOW)).toMatchObject({
      ok: false,
      reject: { code: 'invalid_format', field: 'city' },
    });
    expect(decodeEvent('invoice.paid', JSON.stringify({ ...valid, city: 'Da' }).replace('Da', 'Da\ud800'), NOW)).toMatchObject({
      ok: false,
      reject: { code: 'invalid_unicode', field: 'city' },
    });
  });
});
