import { useMemo } from 'react';
import type { WebConfig } from '../../../functions/shared/contracts/index.js';
import type { ApiClient } from '../api.js';
import type { Auth } from '../auth.js';
import { RANGE_LABELS } from '../labels.js';
import { chartSeries, computeKpis, currencyChoices, liveDiffs, newestRecordedAt } from '../live/merge.js';
import { useDashboard } from '../useDashboard.js';
import { useUrlFilters } from '../useUrlFilters.js';
import { BreakdownPanel } from './BreakdownPanel.js';
import { FilterBar } from './FilterBar.js';
import { KpiCards } from './KpiCards.js';
import { EmptyState, ErrorState, Skeleton } from './States.js';
import { StatusIndicator } from './StatusIndicator.js';
import { TimeseriesPanel } from './TimeseriesPanel.js';

export function Dashboard({ config, auth, api, locale }: { config: WebConfig; auth: Auth; api: ApiClient; locale: string }) {
  const [filters, setFilters] = useUrlFilters();
  const state = useDashboard(config, auth, api, filters);
  const { data, live, liveVersion } = state;

  const currencies = useMemo(() => currencyChoices(data, filters.currency), [data, filters.currency]);
  const currency = filters.currency ?? currencies[0];

  const view = useMemo(() => {
    if (!data || !currency) return undefined;
    const sel = { currency, ...(filters.type ? { type: filters.type } : {}) };
    const { diffs } = liveDiffs(data, live, sel);
    return {
      kpis: computeKpis(data, currency, diffs),
      series: chartSeries(data, sel, filters.metric, diffs),
    };
    // liveVersion stands for the mutable live map's content.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, live, liveVersion, currency, filters.type, filters.metric]);

  const newest = useMemo(() => {
    if (!data) return undefined;
    const liveNewest = newestRecordedAt(live, data.room);
    return Math.max(data.fetchedAt, liveNewest ?? 0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, live, liveVersion]);

  const showSkeleton = state.loading && !state.error;
  return (
    <div className="app">
      <header className="topbar">
        <div>
          <h1>Molam Analytics</h1>
          <p className="subtitle" data-testid="range-label">
            {RANGE_LABELS[filters.range]}
            {data && (
              <>
                {' · '}
                <time dateTime={data.range.from}>{new Date(data.range.from).toLocaleString(locale)}</time> →{' '}
                <time dateTime={data.range.to}>{new Date(data.range.to).toLocaleString(locale)}</time>
              </>
            )}
          </p>
        </div>
        <StatusIndicator status={state.status} newest={newest} locale={locale} detail={state.liveError} />
      </header>
      <FilterBar filters={filters} onChange={setFilters} currencies={currencies} currency={currency} />
      <main data-testid="dashboard" data-loading={state.loading || state.refreshing ? 'true' : 'false'}>
        {state.error && !state.loading ? <ErrorState error={state.error} onRetry={state.refetch} /> : null}
        {showSkeleton ? (
          <div className="kpis" data-testid="kpi-skeleton">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} lines={3} />
            ))}
          </div>
        ) : data && !currency ? (
          <EmptyState>Aucune transaction sur cette période pour ces filtres. Élargissez la période ou retirez un filtre.</EmptyState>
        ) : view ? (
          <KpiCards kpis={view.kpis} locale={locale} />
        ) : null}
        {(showSkeleton || (view && currency)) && (
          <div className="panels">
            <TimeseriesPanel series={showSkeleton ? undefined : view?.series} metric={filters.metric} currency={currency ?? ''} locale={locale} />
            <BreakdownPanel breakdown={showSkeleton ? undefined : data?.breakdown} by={filters.by} currency={currency ?? ''} locale={locale} />
          </div>
        )}
      </main>
    </div>
  );
}
