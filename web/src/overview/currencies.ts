// Every currency at once: one row per currency (never summing money across them) and the choice of
// the currency the money KPIs and charts show by default.
import { COUNTRIES, toUnits, fromUnits, type TotalsRow } from '../../../contracts/index.js';

export interface CurrencyRow {
  currency: string;
  count: number;
  /** Exact decimal strings in the row's currency. */
  volume: string;
  fees: string;
  /** Wallet success rate in this currency, 0–1; null without wallet transactions. */
  successRate: number | null;
  previousCount: number;
  previousVolume: string;
}

interface Acc {
  count: number;
  volume: bigint;
  fees: bigint;
  wallet: number;
  walletOk: number;
  previousCount: number;
  previousVolume: bigint;
}

/** One row per currency present now or in the previous period, most transactions first. */
export function currencyRows(current: readonly TotalsRow[], previous: readonly TotalsRow[]): CurrencyRow[] {
  const by = new Map<string, Acc>();
  const acc = (c: string): Acc => {
    let a = by.get(c);
    if (!a) by.set(c, (a = { count: 0, volume: 0n, fees: 0n, wallet: 0, walletOk: 0, previousCount: 0, previousVolume: 0n }));
    return a;
  };
  for (const r of current) {
    const a = acc(r.currency);
    a.count += r.count;
    a.volume += toUnits(r.volume);
    a.fees += toUnits(r.fees);
    if (r.type === 'wallet_txn_created' && r.success_rate !== null) {
      a.wallet += r.count;
      // success_rate = succeeded / count exactly, so this recovers the integer count.
      a.walletOk += Math.round(r.success_rate * r.count);
    }
  }
  for (const r of previous) {
    const a = acc(r.currency);
    a.previousCount += r.count;
    a.previousVolume += toUnits(r.volume);
  }
  return [...by.entries()]
    .map(([currency, a]) => ({
      currency,
      count: a.count,
      volume: fromUnits(a.volume),
      fees: fromUnits(a.fees),
      successRate: a.wallet > 0 ? a.walletOk / a.wallet : null,
      previousCount: a.previousCount,
      previousVolume: fromUnits(a.previousVolume),
    }))
    .sort((x, y) => y.count - x.count || y.previousCount - x.previousCount || x.currency.localeCompare(y.currency));
}

/** The currencies of the place a filter narrows to (one zone's or one country's), if it has one. */
export function placeCurrency(place: { zone?: string; country?: string }): string | undefined {
  if (place.country) return COUNTRIES[place.country]?.currency;
  if (!place.zone) return undefined;
  const currencies = new Set(
    Object.values(COUNTRIES)
      .filter((c) => c.zone === place.zone)
      .map((c) => c.currency),
  );
  return currencies.size === 1 ? [...currencies][0] : undefined;
}

/**
 * The currency shown when the user picked none: the place's own currency if it has exactly one and
 * it is present, else the one with most transactions (not nominal volume: GNF amounts are large
 * numbers for few payments).
 */
export function defaultCurrency(rows: readonly CurrencyRow[], place: { zone?: string; country?: string }): string | undefined {
  const own = placeCurrency(place);
  if (own && rows.some((r) => r.currency === own && r.count > 0)) return own;
  return rows.find((r) => r.count > 0)?.currency ?? rows[0]?.currency;
}

/** Every currency the control offers: all present ones, plus the selected one even if absent. */
export function currencyOptions(rows: readonly CurrencyRow[], selected?: string): string[] {
  const list = rows.map((r) => r.currency);
  if (selected && !list.includes(selected)) list.push(selected);
  return list;
}
