// Independent reference for the exactness tests: totals per "type|currency" computed with bigint
// decimals from what was produced, never from what the system stored.
import { fromUnits, toUnits } from '../../functions/shared/contracts/decimal.js';
import type { GeneratedRecord } from '../../functions/shared/generator.js';

export interface Totals {
  count: number;
  amount: string;
  fee: string;
}

export function expectedTotals(records: Iterable<GeneratedRecord>, skip: (r: GeneratedRecord) => boolean = () => false): Record<string, Totals> {
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
