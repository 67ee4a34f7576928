import type { DashboardFilters } from '../filters.js';
import type { Crumb } from '../drill/drill.js';

export function Breadcrumbs({ crumbs, onGo }: { crumbs: Crumb[]; onGo(change: Partial<DashboardFilters>): void }) {
  return (
    <nav aria-label="Fil d’Ariane" className="breadcrumbs" data-testid="breadcrumbs">
      <ol>
        {crumbs.map((c, i) => (
          <li key={i}>
            {c.change ? (
              <button type="button" className="link-button" onClick={() => onGo(c.change!)}>
                {c.label}
              </button>
            ) : (
              <span aria-current="page">{c.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
