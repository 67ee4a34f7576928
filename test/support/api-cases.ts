// A seeded query case of the API exactness tests (scope, range, filters) and its two readings: the
// handler's query string and the reference computation's filters. The tests draw their cases with
// their own distributions; what a case is and how it is read is shared.
import type { EventType } from '../../contracts/event.js';
import type { RefFilters } from '../../devkit/api-dataset.js';

export interface Case {
  scope: string[];
  fromMs: number;
  toMs: number;
  filters: Partial<Record<'zone' | 'country' | 'city' | 'currency' | 'type', string>>;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const floor = (ms: number, u: number) => Math.floor(ms / u) * u;
export const ceil = (ms: number, u: number) => Math.ceil(ms / u) * u;

/** The reference filters of a case over [fromMs, toMs) (the range the handler aligned to). */
export function refFilters(c: Case, fromMs: number, toMs: number): RefFilters {
  return { ...c.filters, type: c.filters.type as EventType | undefined, fromMs, toMs, scope: c.scope };
}

/** The query string of a case, plus route-specific parameters. */
export function queryOf(c: Case, extra: Record<string, string> = {}): Record<string, string> {
  return { from: iso(c.fromMs), to: iso(c.toMs), ...c.filters, ...extra } as Record<string, string>;
}
