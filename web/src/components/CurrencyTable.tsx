import { formatChange, formatCount, formatMoney, formatPercent, relativeChange } from '../format.js';
import { ScrollRegion } from './ScrollRegion.js';
import type { CurrencyRow } from '../overview/currencies.js';

/** One row per currency: every currency at once, each in its own money. A click shows its money KPIs. */
export function CurrencyTable({
  rows,
  merchants,
  locale,
  selected,
  onSelect,
}: {
  rows: CurrencyRow[];
  /** Distinct merchants per currency (arrives with the second phase). */
  merchants: ReadonlyMap<string, number>;
  locale: string;
  selected: string | undefined;
  onSelect(currency: string): void;
}) {
  return (
    <section className="panel panel-currencies" aria-labelledby="cur-title">
      <h2 id="cur-title">Par devise</h2>
      <ScrollRegion label="Chiffres par devise (tableau défilable)">
        <table className="data-table" data-testid="currency-table">
          <caption className="visually-hidden">
            Chiffres par devise, plus de transactions d’abord ; choisissez une devise pour ses montants
          </caption>
          <thead>
            <tr>
              <th scope="col">Devise</th>
              <th scope="col" className="num">
                Transactions
              </th>
              <th scope="col" className="num">
                Volume
              </th>
              <th scope="col" className="num">
                Frais
              </th>
              <th scope="col" className="num">
                Succès (wallet)
              </th>
              <th scope="col" className="num">
                Marchands
              </th>
              <th scope="col" className="num">
                Évolution du volume
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.currency}
                data-testid="currency-row"
                data-currency={r.currency}
                data-count={r.count}
                data-volume={r.volume}
                aria-current={r.currency === selected ? 'true' : undefined}
              >
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => onSelect(r.currency)} aria-pressed={r.currency === selected}>
                    {r.currency}
                  </button>
                </th>
                <td className="num">{formatCount(r.count, locale)}</td>
                <td className="num" title={formatMoney(r.volume, r.currency, locale, { compact: false })}>
                  {formatMoney(r.volume, r.currency, locale)}
                </td>
                <td className="num">{formatMoney(r.fees, r.currency, locale)}</td>
                <td className="num">{r.successRate === null ? '—' : formatPercent(r.successRate, locale)}</td>
                <td className="num">{merchants.has(r.currency) ? formatCount(merchants.get(r.currency)!, locale) : '—'}</td>
                <td className="num">{formatChange(relativeChange(Number(r.volume), Number(r.previousVolume)), locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
