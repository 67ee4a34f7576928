import { useEffect, useId, useState } from 'react';
import { EVENT_TYPES, GRANULARITIES, ZONES, type EventType, type Granularity } from '../../../functions/shared/contracts/index.js';
import {
  BREAKDOWN_BY,
  CHART_METRICS,
  RANGE_PRESETS,
  cityOptions,
  countryOptions,
  withChange,
  type BreakdownBy,
  type ChartMetric,
  type DashboardFilters,
  type RangeChoice,
} from '../filters.js';
import { BY_LABELS, METRIC_LABELS, RANGE_LABELS, TYPE_LABELS } from '../labels.js';

/** `datetime-local` works in local time; the URL keeps UTC. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fromLocalInput(value: string): string | undefined {
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function Select<T extends string>(props: {
  label: string;
  testId: string;
  value: T | '';
  options: ReadonlyArray<{ value: T | ''; label: string }>;
  onChange(value: T | ''): void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} data-testid={props.testId} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange(e.target.value as T | '')}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function FilterBar({
  filters,
  onChange,
  currencies,
  currency,
}: {
  filters: DashboardFilters;
  onChange(next: DashboardFilters): void;
  currencies: string[];
  /** The currency shown (the filter's, or the default with most volume). */
  currency: string | undefined;
}) {
  const set = (change: Partial<DashboardFilters>) => onChange(withChange(filters, change));
  const [customFrom, setCustomFrom] = useState(toLocalInput(filters.from));
  const [customTo, setCustomTo] = useState(toLocalInput(filters.to));
  const [showCustom, setShowCustom] = useState(filters.range === 'custom');
  useEffect(() => {
    setShowCustom(filters.range === 'custom');
    setCustomFrom(toLocalInput(filters.from));
    setCustomTo(toLocalInput(filters.to));
  }, [filters.range, filters.from, filters.to]);
  const fromId = useId();
  const toId = useId();

  const customFromIso = fromLocalInput(customFrom);
  const customToIso = fromLocalInput(customTo);
  const customValid = !!customFromIso && !!customToIso && Date.parse(customFromIso) < Date.parse(customToIso);

  const onRange = (v: RangeChoice | '') => {
    if (v === 'custom') {
      setShowCustom(true);
      if (!customFrom || !customTo) {
        const now = Date.now();
        setCustomFrom(toLocalInput(new Date(now - 86_400_000).toISOString()));
        setCustomTo(toLocalInput(new Date(now).toISOString()));
      }
      return;
    }
    setShowCustom(false);
    if (v) set({ range: v });
  };

  return (
    <form className="filters" aria-label="Filtres" data-testid="filters" onSubmit={(e) => e.preventDefault()}>
      <Select<RangeChoice>
        label="Période"
        testId="filter-range"
        value={showCustom ? 'custom' : filters.range}
        options={[...RANGE_PRESETS, 'custom' as const].map((r) => ({ value: r, label: RANGE_LABELS[r] }))}
        onChange={onRange}
      />
      {showCustom && (
        <fieldset className="custom-range" data-testid="filter-custom">
          <legend className="visually-hidden">Période personnalisée</legend>
          <div className="field">
            <label htmlFor={fromId}>Du</label>
            <input id={fromId} type="datetime-local" data-testid="filter-from" value={customFrom} onChange={(e) => setCustomFrom(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={toId}>Au</label>
            <input id={toId} type="datetime-local" data-testid="filter-to" value={customTo} onChange={(e) => setCustomTo(e.target.value)} />
          </div>
          <button
            type="button"
            data-testid="filter-apply-custom"
            disabled={!customValid}
            onClick={() => customValid && set({ range: 'custom', from: customFromIso, to: customToIso })}
          >
            Appliquer
          </button>
        </fieldset>
      )}
      <Select
        label="Zone"
        testId="filter-zone"
        value={filters.zone ?? ''}
        options={[{ value: '', label: 'Toutes les zones' }, ...ZONES.map((z) => ({ value: z, label: z }))]}
        onChange={(v) => set({ zone: v || undefined })}
      />
      <Select
        label="Pays"
        testId="filter-country"
        value={filters.country ?? ''}
        options={[
          { value: '', label: 'Tous les pays' },
          ...countryOptions(filters.zone).map((c) => ({ value: c, label: c })),
          ...(filters.country && !countryOptions(filters.zone).includes(filters.country) ? [{ value: filters.country, label: filters.country }] : []),
        ]}
        onChange={(v) => set({ country: v || undefined })}
      />
      <Select
        label="Ville"
        testId="filter-city"
        value={filters.city ?? ''}
        disabled={!filters.country}
        options={[
          { value: '', label: 'Toutes les villes' },
          ...cityOptions(filters.country).map((c) => ({ value: c, label: c })),
          ...(filters.city && !cityOptions(filters.country).includes(filters.city) ? [{ value: filters.city, label: filters.city }] : []),
        ]}
        onChange={(v) => set({ city: v || undefined })}
      />
      <Select
        label="Devise"
        testId="filter-currency"
        value={filters.currency ?? ''}
        options={[
          { value: '', label: currency ? `Auto (${currency})` : 'Auto' },
          ...currencies.map((c) => ({ value: c, label: c })),
        ]}
        onChange={(v) => set({ currency: v || undefined })}
      />
      <Select<EventType>
        label="Type d’événement"
        testId="filter-type"
        value={filters.type ?? ''}
        options={[{ value: '', label: 'Tous les types' }, ...EVENT_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))]}
        onChange={(v) => set({ type: v || undefined })}
      />
      <Select<Granularity | 'auto'>
        label="Granularité"
        testId="filter-granularity"
        value={filters.granularity}
        options={[
          { value: 'auto', label: 'Auto' },
          ...GRANULARITIES.map((g) => ({ value: g, label: g === 'minute' ? 'Minute' : g === 'hour' ? 'Heure' : 'Jour' })),
        ]}
        onChange={(v) => set({ granularity: v || 'auto' })}
      />
      <Select<ChartMetric>
        label="Mesure du graphique"
        testId="filter-metric"
        value={filters.metric}
        options={CHART_METRICS.map((m) => ({ value: m, label: METRIC_LABELS[m] }))}
        onChange={(v) => v && set({ metric: v })}
      />
      <Select<BreakdownBy>
        label="Répartition par"
        testId="filter-breakdown-by"
        value={filters.by}
        options={BREAKDOWN_BY.map((b) => ({ value: b, label: BY_LABELS[b] }))}
        onChange={(v) => v && set({ by: v })}
      />
    </form>
  );
}
