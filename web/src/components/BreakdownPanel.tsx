import { Suspense, lazy } from 'react';
import type { BreakdownResponse } from '../../../functions/shared/contracts/index.js';
import { formatCount, formatMoney } from '../format.js';
import { BY_LABELS } from '../labels.js';
import type { BreakdownBy } from '../filters.js';
import { EmptyState, Skeleton } from './States.js';

const BreakdownChart = lazy(() => import('./charts.js').then((m) => ({ default: m.BreakdownChart })));

export function BreakdownPanel({ breakdown, by, currency, locale }: { breakdown: BreakdownResponse | undefined; by: BreakdownBy; currency: string; locale: string }) {
  // Rows of one currency only: totals are never mixed across currencies.
  const rows = breakdown?.rows.filter((r) => r.currency === currency) ?? [];
  return (
    <section className="panel panel-breakdown" aria-labelledby="bd-title">
      <h2 id="bd-title">
        Répartition par {BY_LABELS[by].toLowerCase()} ({currency})
      </h2>
      {!breakdown ? (
        <Skeleton lines={6} testId="breakdown-skeleton" />
      ) : rows.length === 0 ? (
        <EmptyState testId="breakdown-empty">Aucune donnée à répartir pour ces filtres.</EmptyState>
      ) : (
        <div className="breakdown-grid">
          <div className="chart-box chart-box-bar" data-testid="breakdown-chart" data-rows={rows.length}>
            <Suspense fallback={<Skeleton height={200} testId="breakdown-chart-skeleton" />}>
              <BreakdownChart rows={rows.map((r) => ({ key: r.key, volume: Number(r.volume) }))} currency={currency} locale={locale} />
            </Suspense>
          </div>
          <table className="breakdown-table" data-testid="breakdown-table">
            <caption className="visually-hidden">Répartition par {BY_LABELS[by].toLowerCase()}, plus gros volume d’abord</caption>
            <thead>
              <tr>
                <th scope="col">{BY_LABELS[by]}</th>
                <th scope="col" className="num">Volume</th>
                <th scope="col" className="num">Transactions</th>
                <th scope="col" className="num">Frais</th>
                <th scope="col" className="num">Marchands</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.key}|${r.currency}`} data-testid="breakdown-row" data-key={r.key}>
                  <th scope="row">{r.key}</th>
                  <td className="num" data-value={r.volume} title={formatMoney(r.volume, currency, locale, { compact: false })}>
                    {formatMoney(r.volume, currency, locale)}
                  </td>
                  <td className="num" data-value={r.count}>{formatCount(r.count, locale)}</td>
                  <td className="num" data-value={r.fees}>{formatMoney(r.fees, currency, locale)}</td>
                  <td className="num" data-value={r.merchants}>{formatCount(r.merchants, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
