import type { Granularity } from '../../../contracts/index.js';
import { GRANULARITIES } from '../../../contracts/index.js';
import { granularityRefusal } from '../charts/honest.js';
import { downloadCsv, toCsv } from '../export/csv.js';
import { CHART_METRICS, type ChartMetric } from '../filters.js';
import { type DisplayZone, formatBucket, formatCount, formatMoney } from '../format.js';
import { METRIC_LABELS, TYPE_LABELS } from '../labels.js';
import type { ChartSeries } from '../live/merge.js';
import { loadCharts, useCharts } from './chart-module.js';
import { ScrollRegion } from './ScrollRegion.js';
import { Select } from './Select.js';
import { EmptyState, ErrorState, Skeleton } from './States.js';

/** Starts fetching the chart chunk while the KPIs load, so charts do not wait for it afterwards. */
export function preloadCharts(): void {
  void loadCharts().catch(() => undefined);
}
const G_LABEL: Record<Granularity, string> = { minute: 'Minute', hour: 'Heure', day: 'Jour' };
const G_PER: Record<Granularity, string> = { minute: 'minute', hour: 'heure', day: 'jour' };

export interface TimeseriesPanelProps {
  series: ChartSeries | undefined;
  metric: ChartMetric;
  granularity: 'auto' | Granularity;
  spanMs: number;
  currency: string;
  locale: string;
  zone: DisplayZone;
  zoneText: string;
  incomplete: number;
  ghost: Array<number | null>;
  error?: unknown;
  onMetric(m: ChartMetric): void;
  onGranularity(g: 'auto' | Granularity): void;
}

export function TimeseriesPanel(p: TimeseriesPanelProps) {
  const { series, metric, currency, locale } = p;
  const charts = useCharts();
  const empty = series?.lines.every((l) => l.values.every((v) => v === 0));
  const fmt = (v: number | null) =>
    v === null
      ? ''
      : metric === 'count'
        ? formatCount(v, locale, { compact: false })
        : formatMoney(v, currency, locale, { compact: false });
  const exportCsv = () => {
    if (!series) return;
    const header = ['debut_utc', ...series.lines.map((l) => l.type), 'periode_precedente', 'en_cours'];
    const rows = series.labels.map((t, i) => [
      t,
      ...series.lines.map((l) => l.values[i] ?? 0),
      p.ghost[i] ?? '',
      i === p.incomplete ? 'oui' : '',
    ]);
    downloadCsv(`serie-${metric}-${currency}.csv`, toCsv(header, rows));
  };
  return (
    <section className="panel panel-timeseries" aria-labelledby="ts-title">
      <div className="panel-head">
        <h2 id="ts-title">
          {METRIC_LABELS[metric]} par {series ? G_PER[series.granularity] : '…'} ({currency})
        </h2>
        <div className="panel-controls">
          <Select<ChartMetric>
            compact
            label="Mesure"
            testId="filter-metric"
            value={metric}
            options={CHART_METRICS.map((m) => ({ value: m, label: METRIC_LABELS[m] }))}
            onChange={(v) => v && p.onMetric(v)}
          />
          <Select<Granularity | 'auto'>
            compact
            label="Granularité"
            testId="filter-granularity"
            value={p.granularity}
            options={[
              { value: 'auto', label: 'Auto' },
              ...GRANULARITIES.map((g) => ({ value: g, label: G_LABEL[g], disabledReason: granularityRefusal(g, p.spanMs) })),
            ]}
            onChange={(v) => p.onGranularity(v || 'auto')}
          />
        </div>
      </div>
      <p className="panel-note">
        Heures en {p.zoneText}. Pointillé : {p.incomplete >= 0 ? 'la période en cours, encore incomplète' : 'aucune période incomplète'} ;
        gris : période précédente.
      </p>
      <div
        className="chart-box"
        data-testid="timeseries-chart"
        data-granularity={series?.granularity}
        data-points={series?.labels.length ?? 0}
        data-lines={series?.lines.map((l) => l.type).join(',')}
        data-incomplete={series && p.incomplete >= 0 ? series.labels[p.incomplete] : ''}
        data-incomplete-style="dashed"
        data-ghost-points={p.ghost.filter((v) => v !== null).length}
      >
        {p.error && !series ? (
          <ErrorState error={p.error} title="Le graphique n’a pas pu être chargé." />
        ) : !series ? (
          <Skeleton height={240} testId="timeseries-skeleton" />
        ) : empty ? (
          <EmptyState testId="timeseries-empty">Aucune activité sur cette période pour ces filtres.</EmptyState>
        ) : !charts ? (
          <Skeleton height={240} testId="timeseries-skeleton" />
        ) : (
          <charts.TimeseriesChart
            series={series}
            metric={metric}
            currency={currency}
            locale={locale}
            zone={p.zone}
            incomplete={p.incomplete}
            ghost={p.ghost}
          />
        )}
      </div>
      {series && !empty && (
        <details className="data-alt">
          <summary>Tableau des données du graphique</summary>
          <ScrollRegion label="Valeurs du graphique (tableau défilable)">
            <table className="data-table" data-testid="timeseries-table">
              <caption className="visually-hidden">Valeurs du graphique par période</caption>
              <thead>
                <tr>
                  <th scope="col">Début</th>
                  {series.lines.map((l) => (
                    <th key={l.type} scope="col" className="num">
                      {TYPE_LABELS[l.type]}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Période précédente
                  </th>
                </tr>
              </thead>
              <tbody>
                {series.labels.map((t, i) => (
                  <tr key={t}>
                    <th scope="row">
                      {formatBucket(t, series.granularity, locale, p.zone)}
                      {i === p.incomplete ? ' (en cours)' : ''}
                    </th>
                    {series.lines.map((l) => (
                      <td key={l.type} className="num">
                        {fmt(l.values[i] ?? 0)}
                      </td>
                    ))}
                    <td className="num">{fmt(p.ghost[i] ?? null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <button type="button" className="small-button" onClick={exportCsv} data-testid="export-series">
            Exporter en CSV
          </button>
        </details>
      )}
    </section>
  );
}
