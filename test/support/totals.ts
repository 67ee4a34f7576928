// Independent reference for the exactness tests: totals per "type|currency" computed with bigint
// decimals from what was produced, never from what the system stored.
import { fromUnits, toUnits } from '../../contracts/decimal.js';
import type { GeneratedRecord } from '../../devkit/generator.js';
import { bucketKey } from '../../contracts/delta.js';
import { roomsOf } from '../../contracts/rooms.js';
import { minuteBucket } from '../../functions/shared/time.js';

export interface Totals {
  count: number;
  amount: string;
  fee: string;
}

export function expectedTotals(
  records: Iterable<GeneratedRecord>,
  skip: (r: GeneratedRecord) => boolean = () => false,
): Record<string, Totals> {
  const acc = new Map<string, { count: number; amount: bigint; fee: bigint }>();
  for (const r of records) {
    if (!r.event || skip(r)) continue;
    const key = `${r.topic}|${r.event.currency}`;
    const t = acc.get(key) ?? { count: 0, amount: 0n, fee: 0n };
    t.count++;
    t.amount += toUnits(r.event.amount);
    t.fee += toUnits(r.event.fee ?? '0');
    acc.set(key, t);
  }
  return Object.fromEntries([...acc].map(([k, t]) => [k, { count: t.count, amount: fromUnits(t.amount), fee: fromUnits(t.fee) }]));
}

export interface Expected {
  count: number;
  volume: bigint;
  fees: bigint;
  merchants: Set<string>;
}

/** Independent expectation per "room|bucket" -> "type|currency" from the produced events. */
export function expectedByRoom(records: GeneratedRecord[]): Map<string, Map<string, Expected>> {
  const out = new Map<string, Map<string, Expected>>();
  for (const r of records) {
    const e = r.event!;
    const bucket = minuteBucket(Date.parse(e.occurred_at));
    for (const room of roomsOf(e)) {
      const key = bucketKey(room, bucket);
      const perValue = out.get(key) ?? new Map<string, Expected>();
      const vk = `${r.topic}|${e.currency}`;
      const v = perValue.get(vk) ?? { count: 0, volume: 0n, fees: 0n, merchants: new Set<string>() };
      v.count++;
      v.volume += toUnits(e.amount);
      v.fees += toUnits(e.fee ?? '0');
      v.merchants.add(e.merchant_id);
      perValue.set(vk, v);
      out.set(key, perValue);
    }
  }
  return out;
}
