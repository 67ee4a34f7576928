// Filters held in the URL: pushState on change (back button works), popstate to follow navigation.
import { useCallback, useEffect, useState } from 'react';
import { type DashboardFilters, parseFilters, serializeFilters } from './filters.js';

export function useUrlFilters(): [DashboardFilters, (next: DashboardFilters) => void] {
  const [filters, setFilters] = useState(() => parseFilters(window.location.search));

  useEffect(() => {
    // Canonicalise the initial URL without adding a history entry.
    const canonical = serializeFilters(filters);
    if (canonical !== window.location.search) {
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${canonical}${window.location.hash}`);
    }
    const onPop = () => setFilters(parseFilters(window.location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const update = useCallback((next: DashboardFilters) => {
    const search = serializeFilters(next);
    if (search !== window.location.search) {
      window.history.pushState(window.history.state, '', `${window.location.pathname}${search}${window.location.hash}`);
    }
    setFilters(parseFilters(search));
  }, []);

  return [filters, update];
}
