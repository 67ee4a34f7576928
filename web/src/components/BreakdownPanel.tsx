import type { BreakdownResponse, EventType, FailuresResponse } from '../../../contracts/index.js';
import { countryLabel } from '../drill/drill.js';
import { downloadCsv, toCsv } from '../export/csv.js';
import { BREAKDOWN_BY, type BreakdownBy } from '../filters.js';
import { formatCount, formatMoney, formatPercent } from '../format.js';
import { BY_LABELS, TYPE_LABELS } from '../labels.js';
import { useCharts } from './chart-module.js';
import { ScrollRegion } from './ScrollRegion.js';
import { Select } from './Select.js';
import { EmptyState, Skeleton } from './States.js';

/** Display label of a breakdown key. */
export function keyLabel(by: BreakdownBy, key: string, locale: string): string {
  if (by === 'country') return countryLabel(key, locale);
  if (by === 'type') return TYPE_LABELS[key as EventType] ?? key;
  return key;
}

export interface BreakdownPanelProps {
  breakdown: BreakdownResponse | undefined;
  failures: FailuresResponse | undefined;
  /** The dimension chosen, and the one shown (stepped down when a filter pins the chosen one). */
  by: BreakdownBy;
  shownBy: BreakdownBy;
  currency: string;
  locale: string;
  onBy(by: BreakdownBy): void;
  /** Drill one level down from a row; undefined where there is no level below. */
  onDrill?(key: string): void;
}

export function BreakdownPanel({ breakdown, failures, by, shownBy, currency, locale, onBy, onDrill }: BreakdownPanelProps) {
  // Rows of one currency only (money is never mixed); by currency every row is its own currency.
  const charts = useCharts();
  const rows = (breakdown?.rows ?? []).filter((r) => shownBy === 'currency' || r.currency === currency).slice(0, 20);
  const failed = new Map((failures?.rows ?? []).map((f) => [f.key, f]));
  const title = `Répartition par ${BY_LABELS[shownBy].toLowerCase()}`;
  const exportCsv = () =>
    downloadCsv(
      `repartition-${shownBy}.csv`,
      toCsv(
        ['cle', 'devise', 'volume', 'transactions', 'frais', 'marchands', 'echecs_toutes_devises', 'part_echec'],
        rows.map((r) => [
          r.key,
          r.currency,
          r.volume,
          r.count,
          r.fees,
          r.merchants,
          failed.get(r.key)?.failed ?? '',
          failed.get(r.key)?.failed_share ?? '',
        ]),
      ),
    );
  return (
    <section className="panel panel-breakdown" aria-labelledby="bd-title">
      <div className="panel-head">
        <h2 id="bd-title">
          {title} {shownBy !== 'currency' && `(${currency})`}
        </h2>
        <div className="panel-controls">
          <Select<BreakdownBy>
            compact
            label="Répartition par"
            testId="filter-breakdown-by"
            value={by}
            options={BREAKDOWN_BY.map((b) => ({ value: b, label: BY_LABELS[b] }))}
            onChange={(v) => v && onBy(v)}
          />
        </div>
      </div>
      {shownBy !== by && (
        <p className="panel-note">Un seul {BY_LABELS[by].toLowerCase()} est filtré : la répartition descend d’un niveau.</p>
      )}
      <div className="panel-body panel-body-breakdown">
        {!breakdown ? (
          <Skeleton lines={6} testId="breakdown-skeleton" />
        ) : rows.length === 0 ? (
          <EmptyState testId="breakdown-empty">Aucune donnée à répartir pour ces filtres.</EmptyState>
        ) : (
          <div className="breakdown-grid" data-testid="breakdown" data-by={shownBy}>
            {shownBy !== 'currency' && (
              <div className="chart-box chart-box-bar" data-testid="breakdown-chart" data-rows={rows.length}>
                {charts ? (
                  <charts.BreakdownChart
                    rows={rows.map((r) => ({ key: r.key, label: keyLabel(shownBy, r.key, locale), volume: Number(r.volume) }))}
                    currency={currency}
                    locale={locale}
                    onPick={onDrill}
                  />
                ) : (
                  <Skeleton height={200} testId="breakdown-chart-skeleton" />
                )}
              </div>
            )}
            <ScrollRegion label={`${title} (tableau défilable)`} capped>
              <table className="data-table breakdown-table" data-testid="breakdown-table">
                <caption className="visually-hidden">
                  {title}, plus gros volume d’abord{onDrill ? ' ; choisissez une ligne pour filtrer un niveau plus bas' : ''}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{BY_LABELS[shownBy]}</th>
                    <th scope="col" className="num">
                      Volume
                    </th>
                    <th scope="col" className="num">
                      Transactions
                    </th>
                    <th scope="col" className="num">
                      Échecs
                    </th>
                    <th scope="col" className="num">
                      Frais
                    </th>
                    <th scope="col" className="num">
                      Marchands
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => {
                    const f = failed.get(r.key);
                    const label = keyLabel(shownBy, r.key, locale);
                    return (
                      <tr key={`${r.key}|${r.currency}`} data-testid="breakdown-row" data-key={r.key}>
                        <th scope="row">
                          {onDrill ? (
                            <button type="button" className="link-button" data-testid="breakdown-drill" onClick={() => onDrill(r.key)}>
                              {label}
                            </button>
                          ) : (
                            label
                          )}
                        </th>
                        <td className="num" data-value={r.volume} title={formatMoney(r.volume, r.currency, locale, { compact: false })}>
                          {formatMoney(r.volume, r.currency, locale)}
                        </td>
                        <td className="num" data-value={r.count}>
                          {formatCount(r.count, locale)}
                        </td>
                        <td className="num" data-value={f?.failed ?? ''} title="Toutes devises">
                          {f ? `${formatCount(f.failed, locale)} (${formatPercent(f.failed_share, locale)})` : '—'}
                        </td>
                        <td className="num" data-value={r.fees}>
                          {formatMoney(r.fees, r.currency, locale)}
                        </td>
                        <td className="num" data-value={r.merchants}>
                          {formatCount(r.merchants, locale)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </ScrollRegion>
            <button type="button" className="small-button" onClick={exportCsv} data-testid="export-breakdown">
              Exporter en CSV
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
