import { describe, expect, it } from 'vitest';
import type { TotalsRow } from '../../../contracts/index.js';
import { currencyOptions, currencyRows, defaultCurrency, placeCurrency } from './currencies.js';

const row = (type: TotalsRow['type'], currency: string, count: number, volume: string, success_rate: number | null = null): TotalsRow => ({
  type,
  currency,
  count,
  volume,
  fees: '1.0000',
  avg_ticket: '0.0000',
  merchants: 1,
  success_rate,
});

describe('currencyRows', () => {
  const current = [
    row('wallet_txn_created', 'GHS', 100, '1000.5000', 0.97),
    row('payout.settled', 'GHS', 20, '0.2500'),
    row('wallet_txn_created', 'GNF', 10, '99999999.0000', 0.9),
    row('wallet_txn_created', 'XOF', 50, '5000.0000', 1),
  ];
  const previous = [row('wallet_txn_created', 'XAF', 7, '70.0000', 1), row('invoice.paid', 'GHS', 60, '10.0000')];

  it('gives one row per currency, exact per-currency money, most transactions first', () => {
    const rows = currencyRows(current, previous);
    expect(rows.map((r) => r.currency)).toEqual(['GHS', 'XOF', 'GNF', 'XAF']);
    expect(rows[0]).toEqual({
      currency: 'GHS',
      count: 120,
      volume: '1000.7500',
      fees: '2.0000',
      successRate: 0.97,
      previousCount: 60,
      previousVolume: '10.0000',
    });
    // Present only before: still listed, with zero now.
    expect(rows[3]).toMatchObject({ currency: 'XAF', count: 0, volume: '0.0000', successRate: null, previousCount: 7 });
  });

  it('recovers exact succeeded counts from the rate', () => {
    const rows = currencyRows(
      [row('wallet_txn_created', 'XOF', 3, '1.0000', 2 / 3), row('wallet_txn_created', 'XOF', 0, '0.0000', null)],
      [],
    );
    expect(rows[0]!.successRate).toBe(2 / 3);
  });

  it('defaults by transactions (not nominal volume), or to the zone or country currency', () => {
    const rows = currencyRows(current, previous);
    expect(defaultCurrency(rows, {})).toBe('GHS');
    expect(defaultCurrency(rows, { zone: 'WAMZ' })).toBe('GHS'); // WAMZ has three currencies: by count
    expect(defaultCurrency(rows, { zone: 'WAEMU' })).toBe('XOF');
    expect(defaultCurrency(rows, { zone: 'WAMZ', country: 'GN' })).toBe('GNF');
    // CEMAC's XAF has nothing now: fall back to the most transactions.
    expect(defaultCurrency(rows, { zone: 'CEMAC' })).toBe('GHS');
    expect(defaultCurrency([], {})).toBeUndefined();
  });

  it('offers every present currency plus the selected one', () => {
    const rows = currencyRows(current, previous);
    expect(currencyOptions(rows, 'GHS')).toEqual(['GHS', 'XOF', 'GNF', 'XAF']);
    expect(currencyOptions(rows, 'USD')).toEqual(['GHS', 'XOF', 'GNF', 'XAF', 'USD']);
    expect(placeCurrency({ zone: 'WAMZ' })).toBeUndefined();
    expect(placeCurrency({ zone: 'CEMAC' })).toBe('XAF');
  });
});
