// Pure logic of poison isolation: which errors are the data's, and bisection down to the refused rows.
import { describe, expect, it } from 'vitest';
import { ClickHouseError } from '@clickhouse/client';
import { insertIsolating, isDataError } from '../functions/ingest/isolate.js';

const chError = (code: string, type: string) =>
  new ClickHouseError({ message: `Code: ${code}. DB::Exception: boom. (${type})`, code, type });

describe('isDataError', () => {
  it('is true for parse and type errors of the data, false for availability and our own mistakes', () => {
    expect(isDataError(chError('25', 'CANNOT_PARSE_ESCAPE_SEQUENCE'))).toBe(true);
    expect(isDataError(chError('72', 'CANNOT_PARSE_NUMBER'))).toBe(true);
    expect(isDataError(chError('41', 'CANNOT_PARSE_DATETIME'))).toBe(true);
    expect(isDataError(new Error('Code: 27. DB::Exception: Cannot parse input'))).toBe(true);
    expect(isDataError(chError('241', 'MEMORY_LIMIT_EXCEEDED'))).toBe(false);
    expect(isDataError(chError('159', 'TIMEOUT_EXCEEDED'))).toBe(false);
    expect(isDataError(chError('62', 'SYNTAX_ERROR'))).toBe(false);
    expect(isDataError(chError('60', 'UNKNOWN_TABLE'))).toBe(false);
    expect(isDataError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDataError(new Error('Timeout error.'))).toBe(false);
    expect(isDataError(undefined)).toBe(false);
  });
});

describe('insertIsolating', () => {
  const refusing = (bad: Set<number>, calls: number[][]) => async (slice: readonly number[]) => {
    calls.push([...slice]);
    if (slice.some((x) => bad.has(x))) throw chError('72', 'CANNOT_PARSE_NUMBER');
  };

  it('stores everything but the refused rows, each insert naming exactly its rows', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const calls: number[][] = [];
    const refused = await insertIsolating(items, refusing(new Set([3, 77]), calls));
    expect(refused.map((r) => r.item)).toEqual([3, 77]);
    expect(refused[0]!.message).toContain('CANNOT_PARSE_NUMBER');
    // What landed: the successful slices, together exactly every other row, each once.
    const bad = new Set([3, 77]);
    const landed = calls
      .filter((c) => !c.some((x) => bad.has(x)))
      .flat()
      .sort((a, b) => a - b);
    expect(landed).toEqual(items.filter((x) => !bad.has(x)));
    // Deterministic: a retry issues the same slices (so insert tokens repeat and deduplicate).
    const again: number[][] = [];
    await insertIsolating(items, refusing(new Set([3, 77]), again));
    expect(again).toEqual(calls);
    // Bisection, not row by row: O(k log n) inserts.
    expect(calls.length).toBeLessThan(30);
  });

  it("rethrows an error that is not the data's, even deep in the bisection", async () => {
    let n = 0;
    const insert = async (slice: readonly number[]) => {
      n++;
      if (n === 1) throw chError('72', 'CANNOT_PARSE_NUMBER');
      if (slice.length <= 10) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    await expect(
      insertIsolating(
        Array.from({ length: 20 }, (_, i) => i),
        insert,
      ),
    ).rejects.toThrow('socket hang up');
  });
});
