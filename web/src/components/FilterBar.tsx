import { useEffect, useId, useState } from 'react';
import { EVENT_TYPES, type EventType } from '../../../contracts/index.js';
import { countryLabel } from '../drill/drill.js';
import { RANGE_PRESETS, cityOptions, countryOptions, withChange, type DashboardFilters, type RangeChoice } from '../filters.js';
import { RANGE_LABELS, TYPE_LABELS } from '../labels.js';
import type { Scope } from '../scope/zones.js';
import { Select } from './Select.js';

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

export function FilterBar({
  filters,
  onChange,
  currencies,
  currency,
  scope,
  locale,
}: {
  filters: DashboardFilters;
  onChange(next: DashboardFilters): void;
  currencies: string[];
  /** The currency shown (the filter's, or the default). */
  currency: string | undefined;
  scope: Scope;
  locale: string;
}) {
  const set = (change: Partial<DashboardFilters>) => onChange(withChange(filters, change));
  const [customFrom, setCustomFrom] = useState(toLocalInput(filters.from));
  const [customTo, setCustomTo] = useState(toLocalInput(filters.to));
  const [showCustom, setShowCustom] = useState(filters.range === 'custom');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    setShowCustom(filters.range === 'custom');
    setCustomFrom(toLocalInput(filters.from));
    setCustomTo(toLocalInput(filters.to));
  }, [filters.range, filters.from, filters.to]);
  const fromId = useId();
  const toId = useId();
  const sheetId = useId();

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

  const oneZone = !scope.all && scope.zones.length === 1;
  const countries = (filters.zone ? countryOptions(filters.zone) : scope.zones.flatMap((z) => countryOptions(z))).sort();
  const chips = [
    RANGE_LABELS[filters.range],
    filters.zone ?? (scope.all ? 'Toutes les zones' : 'Mes zones'),
    ...(filters.country ? [filters.country] : []),
    ...(filters.city ? [filters.city] : []),
    currency ?? '',
    ...(filters.type ? [TYPE_LABELS[filters.type]] : []),
  ].filter(Boolean);

  return (
    <div className={`filters-wrap${open ? ' is-open' : ''}`}>
      <button
        type="button"
        className="filters-toggle"
        aria-expanded={open}
        aria-controls={sheetId}
        onClick={() => setOpen(!open)}
        data-testid="filters-toggle"
      >
        <span className="visually-hidden">Filtres : </span>
        {chips.map((c) => (
          <span key={c} className="chip">
            {c}
          </span>
        ))}
        <span className="filters-toggle-action">{open ? 'Fermer' : 'Modifier'}</span>
      </button>
      <form id={sheetId} className="filters" aria-label="Filtres" data-testid="filters" onSubmit={(e) => e.preventDefault()}>
        <Select<RangeChoice>
          label="Période"
          testId="filter-range"
          value={showCustom ? 'custom' : filters.range}
          options={[...RANGE_PRESETS, 'custom' as const].map((r) => ({
            value: r,
            label: `${RANGE_LABELS[r]}${r === 'custom' ? '' : ' (glissante)'}`,
          }))}
          onChange={onRange}
        />
        {showCustom && (
          <fieldset className="custom-range" data-testid="filter-custom">
            <legend className="visually-hidden">Période personnalisée</legend>
            <div className="field">
              <label htmlFor={fromId}>Du</label>
              <input
                id={fromId}
                type="datetime-local"
                data-testid="filter-from"
                value={customFrom}
                onChange={(e) => setCustomFrom(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={toId}>Au</label>
              <input
                id={toId}
                type="datetime-local"
                data-testid="filter-to"
                value={customTo}
                onChange={(e) => setCustomTo(e.target.value)}
              />
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
          disabled={oneZone}
          options={[
            ...(oneZone ? [] : [{ value: '', label: scope.all ? 'Toutes les zones' : `Mes zones (${scope.zones.join(', ')})` }]),
            ...scope.zones.map((z) => ({ value: z, label: z })),
          ]}
          onChange={(v) => set({ zone: v || undefined })}
        />
        <Select
          label="Pays"
          testId="filter-country"
          value={filters.country ?? ''}
          options={[
            { value: '', label: 'Tous les pays' },
            ...countries.map((c) => ({ value: c, label: countryLabel(c, locale) })),
            ...(filters.country && !countries.includes(filters.country) ? [{ value: filters.country, label: filters.country }] : []),
          ]}
          onChange={(v) => set({ country: v || undefined })}
        />
        <Select
          label="Ville"
          testId="filter-city"
          value={filters.city ?? ''}
          disabled={!filters.country}
          options={[
            { value: '', label: filters.country ? 'Toutes les villes' : 'Choisissez d’abord un pays' },
            ...cityOptions(filters.country).map((c) => ({ value: c, label: c })),
            ...(filters.city && !cityOptions(filters.country).includes(filters.city) ? [{ value: filters.city, label: filters.city }] : []),
          ]}
          onChange={(v) => set({ city: v || undefined })}
        />
        <Select
          label="Devise des montants"
          testId="filter-currency"
          value={filters.currency ?? ''}
          options={[{ value: '', label: currency ? `Auto (${currency})` : 'Auto' }, ...currencies.map((c) => ({ value: c, label: c }))]}
          onChange={(v) => set({ currency: v || undefined })}
        />
        <Select<EventType>
          label="Type d’événement"
          testId="filter-type"
          value={filters.type ?? ''}
          options={[{ value: '', label: 'Tous les types' }, ...EVENT_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))]}
          onChange={(v) => set({ type: v || undefined })}
        />
        <Select<'utc' | 'wat' | 'local'>
          label="Fuseau horaire"
          testId="filter-tz"
          value={filters.tz}
          options={[
            { value: 'utc', label: 'UTC' },
            { value: 'wat', label: 'UTC+1 (NG, CM, NE, BJ…)' },
            { value: 'local', label: 'Heure locale du navigateur' },
          ]}
          onChange={(v) => set({ tz: v || 'utc' })}
        />
      </form>
    </div>
  );
}
