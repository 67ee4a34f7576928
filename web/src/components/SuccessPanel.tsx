import { downloadCsv, toCsv } from '../export/csv.js';
import type { SuccessSeries } from '../charts/success.js';
import { type DisplayZone, formatBucket, formatCount, formatPercent } from '../format.js';
import { useCharts } from './chart-module.js';
import { ScrollRegion } from './ScrollRegion.js';
import { EmptyState, ErrorState, Skeleton } from './States.js';

const G_PER = { minute: 'minute', hour: 'heure', day: 'jour' } as const;

export interface SuccessPanelProps {
  /** Undefined while loading. */
  series: SuccessSeries | undefined;
  /** Another event type is pinned: only wallet transactions can fail. */
  notWallet: boolean;
  error?: unknown;
  locale: string;
  zone: DisplayZone;
  zoneText: string;
  incomplete: number;
}

/** Failures first: the wallet success rate per currency over time, with failed counts and their previous period. */
export function SuccessPanel(p: SuccessPanelProps) {
  const { series, locale } = p;
  const charts = useCharts();
  const empty = series && series.rates.length === 0 && series.failed.every((v) => v === 0);
  const pct = (v: number | null) => (v === null ? '—' : formatPercent(v, locale));
  const exportCsv = () => {
    if (!series) return;
    const header = ['debut_utc', ...series.rates.map((r) => `succes_${r.currency}`), 'echecs', 'echecs_periode_precedente', 'en_cours'];
    const rows = series.labels.map((t, i) => [
      t,
      ...series.rates.map((r) => r.values[i] ?? ''),
      series.failed[i] ?? 0,
      series.previousFailed[i] ?? '',
      i === p.incomplete ? 'oui' : '',
    ]);
    downloadCsv('taux-de-succes.csv', toCsv(header, rows));
  };
  return (
    <section className="panel panel-success" aria-labelledby="success-title" data-testid="success-panel">
      <h2 id="success-title">Taux de succès et échecs par {series ? G_PER[series.granularity] : '…'} (transactions wallet)</h2>
      <p className="panel-note">
        Heures en {p.zoneText}. Une courbe par devise ; barres : échecs, toutes devises ; gris : échecs de la période précédente
        {p.incomplete >= 0 ? ' ; pointillé et barre claire : la période en cours, encore incomplète' : ''}.
      </p>
      <div
        className="chart-box"
        data-testid="success-chart"
        data-granularity={series?.granularity}
        data-points={series?.labels.length ?? 0}
        data-currencies={series?.rates.map((r) => r.currency).join(',')}
        data-failed={series?.failed.reduce((a, b) => a + b, 0)}
        data-incomplete={series && p.incomplete >= 0 ? series.labels[p.incomplete] : ''}
      >
        {p.notWallet ? (
          <EmptyState testId="success-not-wallet">
            Seules les transactions wallet peuvent échouer : retirez le filtre de type pour voir le taux de succès.
          </EmptyState>
        ) : p.error && !series ? (
          <ErrorState error={p.error} title="Le taux de succès n’a pas pu être chargé." />
        ) : !series ? (
          <Skeleton height={240} testId="success-skeleton" />
        ) : empty ? (
          <EmptyState testId="success-empty">Aucune transaction wallet sur cette période pour ces filtres.</EmptyState>
        ) : !charts ? (
          <Skeleton height={240} testId="success-skeleton" />
        ) : (
          <charts.SuccessChart series={series} locale={locale} zone={p.zone} incomplete={p.incomplete} />
        )}
      </div>
      {series && !empty && !p.notWallet && (
        <details className="data-alt">
          <summary>Tableau des données du taux de succès</summary>
          <ScrollRegion label="Tableau du taux de succès (défilable)">
            <table className="data-table" data-testid="success-table">
              <caption className="visually-hidden">Taux de succès par devise et échecs par période</caption>
              <thead>
                <tr>
                  <th scope="col">Début</th>
                  {series.rates.map((r) => (
                    <th key={r.currency} scope="col" className="num">
                      Succès {r.currency}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Échecs
                  </th>
                  <th scope="col" className="num">
                    Échecs, période précédente
                  </th>
                </tr>
              </thead>
              <tbody>
                {series.labels.map((t, i) => (
                  <tr key={t} data-testid="success-row" data-t={t} data-failed={series.failed[i]}>
                    <th scope="row">
                      {formatBucket(t, series.granularity, locale, p.zone)}
                      {i === p.incomplete ? ' (en cours)' : ''}
                    </th>
                    {series.rates.map((r) => (
                      <td key={r.currency} className="num" data-value={r.values[i] ?? ''}>
                        {pct(r.values[i] ?? null)}
                      </td>
                    ))}
                    <td className="num">{formatCount(series.failed[i] ?? 0, locale, { compact: false })}</td>
                    <td className="num">
                      {series.previousFailed[i] === null ? '—' : formatCount(series.previousFailed[i] ?? 0, locale, { compact: false })}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <button type="button" className="small-button" onClick={exportCsv} data-testid="export-success">
            Exporter en CSV
          </button>
        </details>
      )}
    </section>
  );
}
