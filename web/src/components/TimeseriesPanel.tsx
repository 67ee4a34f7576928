import { Suspense, lazy } from 'react';
import type { ChartSeries } from '../live/merge.js';
import { METRIC_LABELS } from '../labels.js';
import { EmptyState, Skeleton } from './States.js';

const TimeseriesChart = lazy(() => import('./charts.js').then((m) => ({ default: m.TimeseriesChart })));

export function TimeseriesPanel({ series, metric, currency, locale }: { series: ChartSeries | undefined; metric: 'count' | 'volume' | 'fees'; currency: string; locale: string }) {
  const empty = series && series.lines.every((l) => l.values.every((v) => v === 0));
  return (
    <section className="panel panel-timeseries" aria-labelledby="ts-title">
      <h2 id="ts-title">
        {METRIC_LABELS[metric]} par {series?.granularity === 'day' ? 'jour' : series?.granularity === 'hour' ? 'heure' : 'minute'} ({currency})
      </h2>
      <div
        className="chart-box"
        data-testid="timeseries-chart"
        data-granularity={series?.granularity}
        data-points={series?.labels.length ?? 0}
        data-lines={series?.lines.map((l) => l.type).join(',')}
      >
        {!series ? (
          <Skeleton height={240} testId="timeseries-skeleton" />
        ) : empty ? (
          <EmptyState testId="timeseries-empty">Aucune activité sur cette période pour ces filtres.</EmptyState>
        ) : (
          <Suspense fallback={<Skeleton height={240} testId="timeseries-skeleton" />}>
            <TimeseriesChart series={series} metric={metric} currency={currency} locale={locale} />
          </Suspense>
        )}
      </div>
    </section>
  );
}
