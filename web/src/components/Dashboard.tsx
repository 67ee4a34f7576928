import { useCallback, useMemo } from 'react';
import type { WebConfig } from '../../../functions/shared/contracts/index.js';
import type { ApiClient } from '../api.js';
import type { Auth } from '../auth.js';
import { ghostValues, incompleteIndex } from '../charts/honest.js';
import { breadcrumbs, countryLabel, drillChange, effectiveBy } from '../drill/drill.js';
import { type DashboardFilters, withChange } from '../filters.js';
import { formatDateTime, zoneLabel } from '../format.js';
import { RANGE_LABELS } from '../labels.js';
import { indicator, rangeIncludesNow } from '../live/indicator.js';
import { chartSeries, computeKpis, liveDiffs, newestRecordedAt } from '../live/merge.js';
import { currencyOptions, currencyRows, defaultCurrency } from '../overview/currencies.js';
import { globalKpis } from '../overview/kpis.js';
import { type Scope, liveUnavailableReason, scopedFilters } from '../scope/zones.js';
import { useDashboard } from '../useDashboard.js';
import { useUrlFilters } from '../useUrlFilters.js';
import { BreakdownPanel } from './BreakdownPanel.js';
import { Breadcrumbs } from './Breadcrumbs.js';
import { CurrencyTable } from './CurrencyTable.js';
import { FailuresPanel } from './FailuresPanel.js';
import { FilterBar } from './FilterBar.js';
import { GlobalKpiCards, KpiCards } from './KpiCards.js';
import { EmptyState, ErrorState, Skeleton } from './States.js';
import { StatusIndicator } from './StatusIndicator.js';
import { TimeseriesPanel } from './TimeseriesPanel.js';

export function Dashboard({ config, auth, api, scope, locale }: { config: WebConfig; auth: Auth; api: ApiClient; scope: Scope; locale: string }) {
  const normalize = useCallback((f: DashboardFilters) => scopedFilters(f, scope), [scope]);
  const [filters, setFilters] = useUrlFilters(normalize);
  const state = useDashboard(config, auth, api, filters);
  const { data, live, liveVersion } = state;
  const set = (change: Partial<DashboardFilters>) => setFilters(withChange(filters, change));

  const rows = useMemo(() => (data ? currencyRows(data.overview.totals, data.overview.previous.totals) : []), [data]);
  const currency = filters.currency ?? defaultCurrency(rows, filters);
  const currencies = currencyOptions(rows, filters.currency);
  const shownBy = effectiveBy(filters);

  const view = useMemo(() => {
    if (!data) return undefined;
    const global = globalKpis(data, live, filters.type);
    if (!currency) return { global };
    const sel = { currency, ...(filters.type ? { type: filters.type } : {}) };
    const { diffs } = liveDiffs(data, live, sel);
    // UTC+1 business days: the series is on a shifted clock; live minutes move with it.
    const shift = data.dayShiftMs ?? 0;
    const series = chartSeries(data, sel, filters.metric, shift ? diffs.map((d) => ({ ...d, bucket: d.bucket + shift })) : diffs);
    return {
      global,
      kpis: computeKpis(data, currency, diffs),
      series,
      shifted: shift !== 0,
      incomplete: series ? incompleteIndex(series.labels, series.granularity, Date.now() + shift) : -1,
      ghost: ghostValues(data.previousTimeseries, sel, series?.labels.length ?? 0),
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

  const pill = indicator({
    ws: state.status,
    everLive: state.everLive,
    restFailed: !!state.error,
    includesNow: data ? rangeIncludesNow(data.range, Date.now()) : true,
    unavailable: liveUnavailableReason(filters, scope),
    refused: !!state.liveError,
  });
  const reconnect = () => {
    state.reconnect();
    state.refetch();
  };

  const zoneText = zoneLabel(filters.tz, locale);
  const compareLabel = data ? `vs période précédente (${formatDateTime(data.overview.previous.from, locale, filters.tz)} → ${formatDateTime(data.overview.previous.to, locale, filters.tz)})` : 'vs période précédente';
  const drillable = shownBy !== 'type' || !filters.type;
  const onDrill = drillable ? (key: string) => set(drillChange(shownBy, key)) : undefined;
  const crumbs = breadcrumbs(filters, (c) => countryLabel(c, locale)).filter((_, i) => i > 0 || scope.all);
  const showSkeleton = state.loading && !state.error;
  return (
    <div className="app">
      <header className="topbar">
        <div>
          <h1>Molam Analytics</h1>
          <p className="subtitle" data-testid="range-label">
            {RANGE_LABELS[filters.range]}
            {filters.range !== 'custom' && ' (fenêtre glissante, actualisée chaque minute)'}
            {data && (
              <>
                {' · '}
                <time dateTime={data.range.from}>{formatDateTime(data.range.from, locale, filters.tz)}</time> →{' '}
                <time dateTime={data.range.to}>{formatDateTime(data.range.to, locale, filters.tz)}</time>
              </>
            )}
            {' · '}
            <span data-testid="tz-label">Heures en {zoneText}</span>
          </p>
        </div>
        <StatusIndicator indicator={pill} newest={newest} locale={locale} onReconnect={reconnect} />
      </header>
      <Breadcrumbs crumbs={crumbs} onGo={set} />
      <FilterBar filters={filters} onChange={setFilters} currencies={currencies} currency={currency} scope={scope} locale={locale} />
      <main data-testid="dashboard" data-loading={state.loading || state.refreshing ? 'true' : 'false'}>
        {state.error && !state.loading ? <ErrorState error={state.error} onRetry={state.refetch} /> : null}
        {showSkeleton ? (
          <div className="kpis" data-testid="kpi-skeleton">
            {Array.from({ length: 7 }, (_, i) => (
              <Skeleton key={i} lines={3} />
            ))}
          </div>
        ) : view ? (
          <>
            <GlobalKpiCards kpis={view.global} locale={locale} compareLabel={compareLabel} />
            {!currency ? (
              <EmptyState>Aucune transaction sur cette période pour ces filtres. Élargissez la période ou retirez un filtre.</EmptyState>
            ) : (
              view.kpis && <KpiCards kpis={view.kpis} locale={locale} compareLabel={compareLabel} />
            )}
            {rows.length > 0 && <CurrencyTable rows={rows} locale={locale} selected={currency} onSelect={(c) => set({ currency: c })} />}
          </>
        ) : null}
        {(showSkeleton || (view && currency)) && (
          <div className="panels">
            <TimeseriesPanel
              series={showSkeleton ? undefined : view?.series}
              metric={filters.metric}
              granularity={filters.granularity}
              spanMs={data ? Date.parse(data.range.to) - Date.parse(data.range.from) : 0}
              currency={currency ?? ''}
              locale={locale}
              zone={view?.shifted ? 'utc' : filters.tz}
              zoneText={zoneText}
              incomplete={view?.incomplete ?? -1}
              ghost={view?.ghost ?? []}
              error={data?.chartError}
              onMetric={(metric) => set({ metric })}
              onGranularity={(granularity) => set({ granularity })}
            />
            <div className="panel-stack">
              <BreakdownPanel
                breakdown={showSkeleton ? undefined : data?.breakdown}
                failures={data?.failures}
                by={filters.by}
                shownBy={shownBy}
                currency={currency ?? ''}
                locale={locale}
                onBy={(by) => set({ by })}
                onDrill={onDrill}
              />
              <FailuresPanel failures={showSkeleton ? undefined : data?.failures} by={shownBy} locale={locale} onDrill={onDrill} />
            </div>
          </div>
        )}
      </main>
    </div>
  );
}
