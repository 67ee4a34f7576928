import type { FailuresResponse } from '../../../contracts/index.js';
import type { BreakdownBy } from '../filters.js';
import { formatCount, formatPercent } from '../format.js';
import { BY_LABELS } from '../labels.js';
import { keyLabel } from './BreakdownPanel.js';
import { ScrollRegion } from './ScrollRegion.js';
import { EmptyState, Skeleton } from './States.js';

/** Failures first: where wallet transactions fail, every currency counted. */
export function FailuresPanel({
  failures,
  by,
  locale,
  onDrill,
}: {
  failures: FailuresResponse | undefined;
  by: BreakdownBy;
  locale: string;
  onDrill?(key: string): void;
}) {
  const rows = (failures?.rows ?? []).filter((r) => r.failed > 0).slice(0, 10);
  return (
    <section className="panel panel-failures" aria-labelledby="fail-title">
      <h2 id="fail-title">Échecs par {BY_LABELS[by].toLowerCase()} (toutes devises)</h2>
      <div className="panel-body panel-body-failures">
        {!failures ? (
          <Skeleton lines={4} testId="failures-skeleton" />
        ) : rows.length === 0 ? (
          <EmptyState testId="failures-empty">Aucun échec sur cette période.</EmptyState>
        ) : (
          <ScrollRegion label={`Échecs par ${BY_LABELS[by].toLowerCase()} (tableau défilable)`} capped>
            <table className="data-table" data-testid="failures-table">
              <caption className="visually-hidden">Échecs par {BY_LABELS[by].toLowerCase()}, plus d’échecs d’abord</caption>
              <thead>
                <tr>
                  <th scope="col">{BY_LABELS[by]}</th>
                  <th scope="col" className="num">
                    Échecs
                  </th>
                  <th scope="col" className="num">
                    Part d’échec
                  </th>
                  <th scope="col" className="num">
                    En attente
                  </th>
                  <th scope="col" className="num">
                    Transactions
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key} data-testid="failure-row" data-key={r.key} data-failed={r.failed}>
                    <th scope="row">
                      {onDrill ? (
                        <button type="button" className="link-button" onClick={() => onDrill(r.key)}>
                          {keyLabel(by, r.key, locale)}
                        </button>
                      ) : (
                        keyLabel(by, r.key, locale)
                      )}
                    </th>
                    <td className="num">{formatCount(r.failed, locale)}</td>
                    <td className="num">{formatPercent(r.failed_share, locale)}</td>
                    <td className="num">{formatCount(r.pending, locale)}</td>
                    <td className="num">{formatCount(r.count, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </div>
    </section>
  );
}
