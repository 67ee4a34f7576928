import { MERCHANT_SORTS, type MerchantSort, type MerchantsResponse } from '../../../contracts/index.js';
import { downloadCsv, toCsv } from '../export/csv.js';
import { BREAKDOWN_BY, type BreakdownBy } from '../filters.js';
import { formatChange, formatCount, formatMoney, formatPercent } from '../format.js';
import { BY_LABELS, MERCHANT_SORT_LABELS } from '../labels.js';
import { type MerchantLine, merchantLines } from '../merchants/merchants.js';
import { ScrollRegion } from './ScrollRegion.js';
import { Select } from './Select.js';
import { EmptyState, ErrorState, Skeleton } from './States.js';

export interface MerchantsPanelProps {
  merchants: MerchantsResponse | undefined;
  error?: unknown;
  sort: MerchantSort;
  /** The currency a volume ranking is within. */
  currency: string;
  /** "Dakar", "Sénégal (SN)", … : where these merchants are; undefined for every place in scope. */
  place?: string;
  locale: string;
  onSort(sort: MerchantSort): void;
  /** Shown as the breakdown (the drill-down's merchant level): the breakdown's dimension control too. */
  breakdown?: { by: BreakdownBy; onBy(by: BreakdownBy): void };
}

const change = (line: MerchantLine, value: number | undefined, locale: string) => (line.isNew ? 'nouveau' : formatChange(value, locale));

/** Top merchants: count, share, volume in each row's own currency, change vs the previous period, failures. */
export function MerchantsPanel(p: MerchantsPanelProps) {
  const { locale } = p;
  const lines = merchantLines(p.merchants);
  const where = p.place ? ` — ${p.place}` : '';
  const title = `Marchands${where}`;
  const ranking =
    p.sort === 'volume'
      ? `plus gros volume en ${p.currency} d’abord`
      : p.sort === 'failed'
        ? 'plus d’échecs d’abord'
        : 'plus de transactions d’abord';
  const exportCsv = () =>
    downloadCsv(
      'marchands.csv',
      toCsv(
        ['marchand', 'devise', 'transactions', 'part', 'volume', 'transactions_precedentes', 'volume_precedent', 'echecs', 'part_echec'],
        (p.merchants?.rows ?? []).map((r) => [
          r.merchant_id,
          r.currency,
          r.count,
          r.share,
          r.volume,
          r.previous_count,
          r.previous_volume,
          r.failed,
          r.failed_share,
        ]),
      ),
    );
  return (
    <section
      className={`panel panel-merchants${p.breakdown ? ' panel-merchants-breakdown' : ''}`}
      aria-labelledby="merchants-title"
      data-testid="merchants-panel"
      data-place={p.place ?? ''}
    >
      <div className="panel-head">
        <h2 id="merchants-title">{title}</h2>
        <div className="panel-controls">
          {p.breakdown && (
            <Select<BreakdownBy>
              compact
              label="Répartition par"
              testId="filter-breakdown-by"
              value={p.breakdown.by}
              options={BREAKDOWN_BY.map((b) => ({ value: b, label: BY_LABELS[b] }))}
              onChange={(v) => v && p.breakdown!.onBy(v)}
            />
          )}
          <Select<MerchantSort>
            compact
            label="Classer par"
            testId="filter-merchant-sort"
            value={p.sort}
            options={MERCHANT_SORTS.map((s) => ({ value: s, label: s === 'volume' ? `Volume (${p.currency})` : MERCHANT_SORT_LABELS[s] }))}
            onChange={(v) => v && p.onSort(v)}
          />
        </div>
      </div>
      <p className="panel-note">
        Une ligne par marchand et devise (les montants ne sont jamais additionnés entre devises) ; part : des transactions de toutes devises
        ; évolution : vs période précédente.
      </p>
      <div className="panel-body panel-body-merchants">
        {p.error && !p.merchants ? (
          <ErrorState error={p.error} title="Les marchands n’ont pas pu être chargés." />
        ) : !p.merchants ? (
          <Skeleton lines={6} testId="merchants-skeleton" />
        ) : lines.length === 0 ? (
          <EmptyState testId="merchants-empty">Aucun marchand sur cette période pour ces filtres.</EmptyState>
        ) : (
          <>
            <ScrollRegion label={`${title} (tableau défilable)`} capped>
              <table className="data-table" data-testid="merchants-table" data-sort={p.merchants.sort} data-total={p.merchants.total_count}>
                <caption className="visually-hidden">
                  {title}, {ranking}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Marchand</th>
                    <th scope="col">Devise</th>
                    <th scope="col" className="num">
                      Transactions
                    </th>
                    <th scope="col" className="num">
                      Part
                    </th>
                    <th scope="col" className="num">
                      Volume
                    </th>
                    <th scope="col" className="num">
                      Évolution (nb)
                    </th>
                    <th scope="col" className="num">
                      Évolution (volume)
                    </th>
                    <th scope="col" className="num">
                      Échecs
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {lines.map((l) => (
                    <tr
                      key={`${l.merchantId}|${l.currency}`}
                      data-testid="merchant-row"
                      data-merchant={l.merchantId}
                      data-currency={l.currency}
                      data-count={l.count}
                      data-volume={l.volume}
                      data-share={l.share}
                      data-failed={l.failed}
                    >
                      <th scope="row">{l.merchantId}</th>
                      <td>{l.currency}</td>
                      <td className="num">{formatCount(l.count, locale)}</td>
                      <td className="num">{formatPercent(l.share, locale)}</td>
                      <td className="num" title={formatMoney(l.volume, l.currency, locale, { compact: false })}>
                        {formatMoney(l.volume, l.currency, locale)}
                      </td>
                      <td className="num">{change(l, l.countChange, locale)}</td>
                      <td className="num">{change(l, l.volumeChange, locale)}</td>
                      <td className="num">
                        {formatCount(l.failed, locale)} ({formatPercent(l.failedShare, locale)})
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
            <button type="button" className="small-button" onClick={exportCsv} data-testid="export-merchants">
              Exporter en CSV
            </button>
          </>
        )}
      </div>
    </section>
  );
}
