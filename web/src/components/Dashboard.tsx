import { useCallback, useEffect, useMemo } from 'react';
import type { WebConfig } from '../../../contracts/index.js';
import type { ApiClient } from '../api.js';
import type { Auth } from '../auth.js';
import { ghostValues, incompleteIndex } from '../charts/honest.js';
import { successSeries } from '../charts/success.js';
import { breadcrumbs, countryLabel, drillChange, effectiveBy } from '../drill/drill.js';
import { type DashboardFilters, resolveRange, withChange } from '../filters.js';
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
import { MerchantsPanel } from './MerchantsPanel.js';
import { SuccessPanel } from './SuccessPanel.js';
import { EmptyState, ErrorState, Skeleton } from './States.js';
import { StatusIndicator } from './StatusIndicator.js';
import { TimeseriesPanel, preloadCharts } from './TimeseriesPanel.js';

export function Dashboard({
  config,
  auth,
  api,
  scope,
  locale,
}: {
  config: WebConfig;
  auth: Auth;
  api: ApiClient;
  scope: Scope;
  locale: string;
}) {
  useEffect(preloadCharts, []);
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

  const success = useMemo(() => {
    const sd = data?.success;
    if (!sd) return undefined;
    const series = successSeries(
      sd.rate,
      sd.failed,
      sd.previousFailed,
      rows.map((r) => r.currency),
    );
    return { series, incomplete: incompleteIndex(series.labels, series.granularity, Date.now()) };
  }, [data, rows]);

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
  // Known before any answer, so the header does not grow (and shift the page) when data arrives.
  const range = data?.range ?? resolveRange(filters, Date.now());
  const merchantsByCurrency = useMemo(() => new Map((data?.merchants.current.rows ?? []).map((r) => [r.key, r.merchants])), [data]);
  // Short on the cards (one line, no layout shift); the dates of the previous period once, above them.
  const compareLabel = 'vs période précédente';
  const previousRange = {
    from: new Date(2 * Date.parse(range.from) - Date.parse(range.to)).toISOString(),
    to: range.from,
  };
  const drillable = shownBy !== 'merchant' && (shownBy !== 'type' || !filters.type);
  const place = filters.city ?? (filters.country ? countryLabel(filters.country, locale) : filters.zone);
  const merchantsPanel = (asBreakdown: boolean) => (
    <MerchantsPanel
      merchants={showSkeleton ? undefined : data?.topMerchants}
      error={data?.merchantsError}
      sort={filters.msort}
      currency={currency ?? ''}
      {...(place ? { place } : {})}
      locale={locale}
      onSort={(msort) => set({ msort })}
      {...(asBreakdown ? { breakdown: { by: filters.by, onBy: (by: typeof filters.by) => set({ by }) } } : {})}
    />
  );
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
            {' · '}
            <time dateTime={range.from}>{formatDateTime(range.from, locale, filters.tz)}</time> →{' '}
            <time dateTime={range.to}>{formatDateTime(range.to, locale, filters.tz)}</time>
            {' · '}
            <span data-testid="tz-label">Heures en {zoneText}</span>
            {' · '}
            <span data-testid="previous-label">
              période précédente : {formatDateTime(previousRange.from, locale, filters.tz)} →{' '}
              {formatDateTime(previousRange.to, locale, filters.tz)}
            </span>
          </p>
        </div>
        <StatusIndicator indicator={pill} newest={newest} locale={locale} onReconnect={reconnect} />
      </header>
      <Breadcrumbs crumbs={crumbs} onGo={set} />
      <FilterBar filters={filters} onChange={setFilters} currencies={currencies} currency={currency} scope={scope} locale={locale} />
      <main data-testid="dashboard" data-loading={state.loading || state.refreshing ? 'true' : 'false'}>
        {state.error && !state.loading ? <ErrorState error={state.error} onRetry={state.refetch} /> : null}
        {showSkeleton ? (
          <div data-testid="kpi-skeleton">
            {/* The same boxes as the loaded view (titles, card heights, table), so nothing moves when it arrives. */}
            {[
              ['Toutes devises', 4],
              ['Montants', 3],
            ].map(([title, n]) => (
              <div className="kpi-group" key={title}>
                <p className="group-title" aria-hidden="true">
                  {title}
                </p>
                <div className="kpis">
                  {Array.from({ length: n as number }, (_, i) => (
                    <div className="kpi" key={i}>
                      <Skeleton lines={3} />
                    </div>
                  ))}
                </div>
              </div>
            ))}
            <div className="panel panel-currencies currency-skeleton">
              <Skeleton lines={7} />
            </div>
          </div>
        ) : view ? (
          <>
            <GlobalKpiCards kpis={view.global} locale={locale} compareLabel={compareLabel} />
            {!currency ? (
              <EmptyState>Aucune transaction sur cette période pour ces filtres. Élargissez la période ou retirez un filtre.</EmptyState>
            ) : (
              view.kpis && <KpiCards kpis={view.kpis} locale={locale} compareLabel={compareLabel} />
            )}
            {rows.length > 0 && (
              <CurrencyTable
                rows={rows}
                merchants={merchantsByCurrency}
                locale={locale}
                selected={currency}
                onSelect={(c) => set({ currency: c })}
              />
            )}
          </>
        ) : null}
        {(showSkeleton || (view && currency)) && (
          <div className="panels">
            <div className="panel-stack">
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
              <SuccessPanel
                series={showSkeleton ? undefined : success?.series}
                notWallet={!!filters.type && filters.type !== 'wallet_txn_created'}
                error={data?.successError}
                locale={locale}
                zone={filters.tz}
                zoneText={zoneText}
                incomplete={success?.incomplete ?? -1}
              />
            </div>
            <div className="panel-stack">
              {shownBy === 'merchant' ? (
                merchantsPanel(true)
              ) : (
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
              )}
              <FailuresPanel failures={showSkeleton ? undefined : data?.failures} by={shownBy} locale={locale} onDrill={onDrill} />
            </div>
            {shownBy !== 'merchant' && <div className="panel-wide">{merchantsPanel(false)}</div>}
          </div>
        )}
      </main>
    </div>
  );
}
