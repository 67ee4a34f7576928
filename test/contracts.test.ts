// The event contract, exact decimals and rooms: each rule accepts what it should and rejects what
// it should, with its reason.
import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  validateEvent,
  EVENT_TIME_END_MS,
  EVENT_TIME_MIN_MS,
  MAX_CLOCK_SKEW_MS,
  ZONE_PATTERN,
  type RejectCode,
} from '../contracts/event.js';
import { addDecimals, divideDecimal, fromUnits, isDecimalString, normalizeDecimal, toUnits } from '../contracts/decimal.js';
import { parseRoom, roomForFilter, roomInScope, roomsOf } from '../contracts/rooms.js';
import { applySnapshot, type BucketState, type DeltaSnapshot } from '../contracts/delta.js';
import { VALID_AT, VALID_EVENT } from './support/valid-event.js';

const NOW = VALID_AT;
const valid = VALID_EVENT;

function rejectOf(patch: Record<string, unknown>, topic = 'wallet_txn_created'): { code: RejectCode; field?: string; reason: string } {
  const result = validateEvent(topic, { ...valid, ...patch }, NOW);
  if (result.ok) throw new Error(`accepted ${JSON.stringify(patch)}`);
  return result.reject;
}

describe('event contract', () => {
  it('accepts a valid event and normalises it', () => {
    const result = validateEvent('wallet_txn_created', { ...valid, extra_field: { nested: true } }, NOW);
    expect(result).toEqual({
      ok: true,
      event: {
        ...valid,
        type: 'wallet_txn_created',
        amount: '1500.0000',
        fee: '15.5000',
        occurred_at: '2026-11-27T10:15:30.123Z',
        status: 'succeeded',
      },
    });
  });

  it('applies defaults: fee 0, status succeeded, timestamps without milliseconds', () => {
    const { fee: _fee, status: _status, ...rest } = valid;
    const result = validateEvent('payout.settled', { ...rest, occurred_at: '2026-11-27T10:00:00Z' }, NOW);
    expect(result.ok && result.event).toMatchObject({
      fee: '0.0000',
      status: 'succeeded',
      occurred_at: '2026-11-27T10:00:00.000Z',
      type: 'payout.settled',
    });
  });

  it.each([
    ['event_id', 'missing_field'],
    ['occurred_at', 'missing_field'],
    ['amount', 'missing_field'],
    ['currency', 'missing_field'],
    ['zone', 'missing_field'],
    ['country', 'missing_field'],
    ['city', 'missing_field'],
    ['merchant_id', 'missing_field'],
  ] as const)('rejects a missing %s', (field, code) => {
    expect(rejectOf({ [field]: undefined })).toMatchObject({ code, field });
    expect(rejectOf({ [field]: null })).toMatchObject({ code, field });
  });

  it.each([
    [{ amount: 1500 }, 'invalid_type', 'amount'],
    [{ amount: 15.5 }, 'invalid_type', 'amount'],
    [{ fee: 1 }, 'invalid_type', 'fee'],
    [{ event_id: 42 }, 'invalid_type', 'event_id'],
    [{ city: ['Dakar'] }, 'invalid_type', 'city'],
    [{ amount: '-5.00' }, 'invalid_amount', 'amount'],
    [{ amount: '1e3' }, 'invalid_amount', 'amount'],
    [{ amount: '0.1+0.2' }, 'invalid_amount', 'amount'],
    [{ amount: '.5' }, 'invalid_amount', 'amount'],
    [{ amount: '5.' }, 'invalid_amount', 'amount'],
    [{ amount: '007' }, 'invalid_amount', 'amount'],
    [{ amount: ' 5' }, 'invalid_amount', 'amount'],
    [{ amount: 'NaN' }, 'invalid_amount', 'amount'],
    [{ amount: '123456789012345' }, 'invalid_amount', 'amount'],
    [{ amount: '10.12345' }, 'too_many_decimals', 'amount'],
    [{ fee: '0.00001' }, 'too_many_decimals', 'fee'],
    [{ currency: 'xof' }, 'invalid_currency', 'currency'],
    [{ currency: 'XO' }, 'invalid_currency', 'currency'],
    [{ country: 'SEN' }, 'invalid_country', 'country'],
    [{ country: 'sn' }, 'invalid_country', 'country'],
    [{ status: 'done' }, 'invalid_status', 'status'],
    [{ event_id: '' }, 'invalid_length', 'event_id'],
    [{ event_id: 'e'.repeat(65) }, 'invalid_length', 'event_id'],
    [{ zone: 'Z'.repeat(33) }, 'invalid_length', 'zone'],
    [{ city: 'C'.repeat(65) }, 'invalid_length', 'city'],
    [{ merchant_id: 'm'.repeat(65) }, 'invalid_length', 'merchant_id'],
    [{ city: 'Dakar\n' }, 'invalid_format', 'city'],
    [{ zone: ' WAEMU' }, 'invalid_format', 'zone'],
    [{ occurred_at: '2026-11-27 10:15:30' }, 'invalid_timestamp', 'occurred_at'],
    [{ occurred_at: '2026-11-27T10:15:30+01:00' }, 'invalid_timestamp', 'occurred_at'],
    [{ occurred_at: '2026-02-30T10:15:30Z' }, 'invalid_timestamp', 'occurred_at'],
    [{ occurred_at: '2026-11-27T24:00:00Z' }, 'invalid_timestamp', 'occurred_at'],
    [{ occurred_at: '2026-11-27T10:15:30.1234Z' }, 'invalid_timestamp', 'occurred_at'],
  ])('rejects %j as %s', (patch, code, field) => {
    const reject = rejectOf(patch);
    expect(reject).toMatchObject({ code, field });
    expect(reject.reason.startsWith(`${field}: `)).toBe(true);
  });

  it.each([
    [{ city: 'Dakar\ud800' }, 'invalid_unicode', 'city'],
    [{ zone: 'WAEMU\udc00' }, 'invalid_unicode', 'zone'],
    [{ event_id: '\udfffevt' }, 'invalid_unicode', 'event_id'],
    [{ merchant_id: 'm\ud83d' }, 'invalid_unicode', 'merchant_id'],
    [{ currency: 'X\ud800F' }, 'invalid_unicode', 'currency'],
    [{ country: 'S\udc00' }, 'invalid_unicode', 'country'],
    [{ occurred_at: '2026-11-27T10:15:30.123\ud800' }, 'invalid_unicode', 'occurred_at'],
    [{ zone: 'WAEMU\u200b' }, 'invalid_zone', 'zone'],
    [{ zone: '*' }, 'invalid_zone', 'zone'],
    [{ zone: 'WA:EMU' }, 'invalid_zone', 'zone'],
    [{ zone: 'waemu' }, 'invalid_zone', 'zone'],
    [{ zone: 'WA EMU' }, 'invalid_zone', 'zone'],
    [{ zone: 'WA\ufeffEMU' }, 'invalid_zone', 'zone'],
    [{ zone: 'CEMAC' }, 'zone_country_mismatch', 'zone'],
    [{ zone: 'WAMZ', country: 'CM' }, 'zone_country_mismatch', 'zone'],
    [{ country: 'FR' }, 'unknown_country', 'country'],
    [{ occurred_at: '1969-12-31T23:59:59Z' }, 'timestamp_out_of_range', 'occurred_at'],
    [{ occurred_at: '1900-01-01T00:00:00Z' }, 'timestamp_out_of_range', 'occurred_at'],
    [{ occurred_at: '1999-12-31T23:59:59.999Z' }, 'timestamp_out_of_range', 'occurred_at'],
    [{ occurred_at: '2100-01-01T00:00:00Z' }, 'timestamp_out_of_range', 'occurred_at'],
    [{ occurred_at: '2299-12-31T23:59:59Z' }, 'timestamp_out_of_range', 'occurred_at'],
  ])('hostile input: rejects %j as %s', (patch, code, field) => {
    // `now` far ahead so the upper range, not clock skew, is what refuses 2100+.
    const result = validateEvent('wallet_txn_created', { ...valid, ...patch }, Date.UTC(2300, 0, 1));
    expect(result.ok ? 'accepted' : result.reject).toMatchObject({ code, field });
  });

  it('accepts the edges of the event time range and well-formed non-BMP text; lengths are code points', () => {
    const ok = (patch: Record<string, unknown>) => validateEvent('wallet_txn_created', { ...valid, ...patch }, Date.UTC(2300, 0, 1)).ok;
    expect(ok({ occurred_at: new Date(EVENT_TIME_MIN_MS).toISOString() })).toBe(true);
    expect(ok({ occurred_at: new Date(EVENT_TIME_END_MS - 1).toISOString() })).toBe(true);
    expect(ok({ city: 'Dakar 😀', merchant_id: '\ud83d\ude00' })).toBe(true);
    // 64 emoji = 64 code points (128 UTF-16 units): the limit, as the REST city parameter counts
    // it; one more character is over it.
    expect(ok({ city: '😀'.repeat(64) })).toBe(true);
    expect(rejectOf({ city: `${'😀'.repeat(64)}x` })).toMatchObject({ code: 'invalid_length', field: 'city' });
    expect(rejectOf({ city: '😀'.repeat(65) })).toMatchObject({ code: 'invalid_length', field: 'city' });
    expect(ZONE_PATTERN.test('WAEMU') && !ZONE_PATTERN.test('WAEMU\u200b')).toBe(true);
  });

  it('accepts the largest amounts and 4 fraction digits', () => {
    expect(validateEvent('invoice.paid', { ...valid, amount: '99999999999999.9999', fee: '0.0001' }, NOW).ok).toBe(true);
    expect(validateEvent('invoice.paid', { ...valid, amount: '0' }, NOW).ok).toBe(true);
  });

  it('rejects events more than 5 minutes in the future (clock_skew), accepts late ones', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    expect(rejectOf({ occurred_at: at(NOW + MAX_CLOCK_SKEW_MS + 1000) }).code).toBe('clock_skew');
    expect(validateEvent('wallet_txn_created', { ...valid, occurred_at: at(NOW + MAX_CLOCK_SKEW_MS - 1000) }, NOW).ok).toBe(true);
    expect(validateEvent('wallet_txn_created', { ...valid, occurred_at: at(NOW - 40 * 86_400_000) }, NOW).ok).toBe(true);
  });

  it('decodes raw values: empty, not JSON, not an object, unknown topic', () => {
    const code = (topic: string, raw: string | null) => {
      const r = decodeEvent(topic, raw, NOW);
      return r.ok ? 'ok' : r.reject.code;
    };
    expect(code('wallet_txn_created', '')).toBe('empty_value');
    expect(code('wallet_txn_created', null)).toBe('empty_value');
    expect(code('wallet_txn_created', '{"a":')).toBe('invalid_json');
    expect(code('wallet_txn_created', '[1]')).toBe('not_an_object');
    expect(code('wallet_txn_created', '"x"')).toBe('not_an_object');
    expect(code('refund.created', JSON.stringify(valid))).toBe('unknown_topic');
    expect(code('invoice.paid', Buffer.from(JSON.stringify(valid)).toString())).toBe('ok');
  });
});

describe('exact decimals', () => {
  it('sums and divides without floating point', () => {
    expect(isDecimalString('0.1')).toBe(true);
    expect(addDecimals('0.1', '0.2')).toBe('0.3000');
    expect(fromUnits(toUnits('99999999999999.9999') * 1000n)).toBe('99999999999999999.9000');
    expect(normalizeDecimal('12.5')).toBe('12.5000');
    expect(divideDecimal('10', 3)).toBe('3.3333');
    expect(divideDecimal('20', 3)).toBe('6.6667');
    expect(divideDecimal('5', 0)).toBe('0.0000');
    expect(fromUnits(toUnits('1500.5'), 0)).toBe('1500');
  });
});

describe('rooms', () => {
  it('lists the rooms an event belongs to and parses them back', () => {
    const rooms = roomsOf({ zone: 'WAEMU', country: 'CI', city: 'Bouaké' });
    expect(rooms).toEqual(['global', 'zone:WAEMU', 'country:CI', 'city:CI:Bouaké']);
    expect(rooms.map(parseRoom)).toEqual([
      { kind: 'global' },
      { kind: 'zone', zone: 'WAEMU' },
      { kind: 'country', country: 'CI' },
      { kind: 'city', country: 'CI', city: 'Bouaké' },
    ]);
    expect(parseRoom("city:TD:N'Djamena")).toEqual({ kind: 'city', country: 'TD', city: "N'Djamena" });
    for (const bad of ['', 'zone:', 'country:sn', 'country:SEN', 'city:SN', 'planet:earth', 'x'.repeat(200)])
      expect(parseRoom(bad), bad).toBeUndefined();
  });

  it('scopes rooms by zone', () => {
    const waemu = ['WAEMU'];
    expect(roomInScope(parseRoom('zone:WAEMU')!, waemu)).toBe(true);
    expect(roomInScope(parseRoom('country:SN')!, waemu)).toBe(true);
    expect(roomInScope(parseRoom('city:SN:Dakar')!, waemu)).toBe(true);
    expect(roomInScope(parseRoom('zone:CEMAC')!, waemu)).toBe(false);
    expect(roomInScope(parseRoom('country:CM')!, waemu)).toBe(false);
    expect(roomInScope(parseRoom('global')!, waemu)).toBe(false);
    expect(roomInScope(parseRoom('country:ZZ')!, waemu)).toBe(false);
    expect(roomInScope(parseRoom('global')!, ['*'])).toBe(true);
    expect(roomInScope(parseRoom('country:CM')!, ['WAEMU', 'CEMAC'])).toBe(true);
  });

  it('picks the most specific room for a dashboard filter', () => {
    expect(roomForFilter({})).toBe('global');
    expect(roomForFilter({ zone: 'CEMAC' })).toBe('zone:CEMAC');
    expect(roomForFilter({ zone: 'WAEMU', country: 'SN' })).toBe('country:SN');
    expect(roomForFilter({ zone: 'WAEMU', country: 'SN', city: 'Dakar' })).toBe('city:SN:Dakar');
  });
});

describe('snapshots', () => {
  const snap = (version: number, count: number): DeltaSnapshot => ({
    room: 'global',
    bucket: '2026-11-27T10:15:00.000Z',
    version,
    recorded_at: '2026-11-27T10:15:31.000Z',
    values: [{ type: 'wallet_txn_created', currency: 'XOF', count, volume: '10.0000', fees: '0.1000', merchants: 1, succeeded: count }],
  });
  it('replace a bucket; a replay or an older version changes nothing', () => {
    const state: BucketState = new Map();
    expect(applySnapshot(state, snap(2, 5))).toBe(true);
    expect(applySnapshot(state, snap(2, 5))).toBe(false);
    expect(applySnapshot(state, snap(1, 3))).toBe(false);
    expect([...state.values()][0]!.values[0]!.count).toBe(5);
    expect(applySnapshot(state, snap(3, 9))).toBe(true);
    expect([...state.values()][0]!.values[0]!.count).toBe(9);
    expect(state.size).toBe(1);
  });
});

describe('event timestamps', () => {
  it('accept 0 to 3 fraction digits and reject dates ClickHouse cannot hold', () => {
    const ok = (t: string) => validateEvent('invoice.paid', { ...valid, occurred_at: t }, NOW);
    expect(ok('2026-11-27T10:15:30.1Z').ok && (ok('2026-11-27T10:15:30.1Z') as { event: { occurred_at: string } }).event.occurred_at).toBe(
      '2026-11-27T10:15:30.100Z',
    );
    expect(ok('2024-02-29T00:00:00Z').ok).toBe(true);
    expect(ok('2026-02-29T00:00:00Z').ok).toBe(false);
    expect(ok('2026-04-31T00:00:00Z').ok).toBe(false);
    expect(ok('1899-12-31T23:59:59Z').ok).toBe(false);
    expect(ok('0050-01-01T00:00:00Z').ok).toBe(false);
  });
});
