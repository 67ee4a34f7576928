// Filters held in the URL: pushState on change (back button works), popstate to follow navigation.
import { useCallback, useEffect, useState } from 'react';
import { type DashboardFilters, parseFilters, serializeFilters } from './filters.js';

/**
 * `normalize` makes parsed filters servable (e.g. the token's zone scope); a URL it changes is
 * rewritten in place, so the address bar never names a view the page does not show.
 */
export function useUrlFilters(
  normalize: (f: DashboardFilters) => DashboardFilters = (f) => f,
): [DashboardFilters, (next: DashboardFilters) => void] {
  const read = () => normalize(parseFilters(window.location.search));
  const [filters, setFilters] = useState(read);

  useEffect(() => {
    // Canonicalise the initial URL without adding a history entry.
    const canonical = serializeFilters(filters);
    if (canonical !== window.location.search) {
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${canonical}${window.location.hash}`);
    }
    const onPop = () => {
      const f = read();
      setFilters(f);
      const canonical = serializeFilters(f);
      if (canonical !== window.location.search)
        window.history.replaceState(window.history.state, '', `${window.location.pathname}${canonical}${window.location.hash}`);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const update = useCallback((requested: DashboardFilters) => {
    const next = normalize(requested);
    const search = serializeFilters(next);
    if (search !== window.location.search) {
      window.history.pushState(window.history.state, '', `${window.location.pathname}${search}${window.location.hash}`);
    }
    setFilters(normalize(parseFilters(search)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return [filters, update];
}
