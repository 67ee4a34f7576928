import { formatChange, formatCount, formatMoney, formatPercent, formatPointChange, relativeChange } from '../format.js';
import type { KpiFigures, Kpis } from '../live/merge.js';

interface Card {
  id: string;
  label: string;
  /** Raw value for tests and tooltips: decimal string, integer or ratio. */
  raw: string;
  display: string;
  full: string;
  change: string;
  direction: 'up' | 'down' | 'flat' | 'none';
}

function direction(change: number | undefined): Card['direction'] {
  if (change === undefined) return 'none';
  return change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
}

function cards(k: Kpis, locale: string): Card[] {
  const { current: c, previous: p, currency } = k;
  const money = (id: string, label: string, pick: (f: KpiFigures) => string): Card => {
    const ch = relativeChange(Number(pick(c)), Number(pick(p)));
    return {
      id,
      label,
      raw: pick(c),
      display: formatMoney(pick(c), currency, locale),
      full: formatMoney(pick(c), currency, locale, { compact: false }),
      change: formatChange(ch, locale),
      direction: direction(ch),
    };
  };
  const count = (id: string, label: string, cur: number | null, prev: number | null): Card => {
    const ch = cur === null || prev === null ? undefined : relativeChange(cur, prev);
    return {
      id,
      label,
      raw: cur === null ? '' : String(cur),
      display: cur === null ? '—' : formatCount(cur, locale),
      full: cur === null ? 'non disponible' : formatCount(cur, locale, { compact: false }),
      change: formatChange(ch, locale),
      direction: direction(ch),
    };
  };
  const rateChange = c.successRate !== null && p.successRate !== null ? c.successRate - p.successRate : undefined;
  return [
    money('volume', 'Volume', (f) => f.volume),
    count('count', 'Transactions', c.count, p.count),
    money('avg-ticket', 'Panier moyen', (f) => f.avgTicket),
    money('fees', 'Frais', (f) => f.fees),
    count('merchants', 'Marchands actifs', c.merchants, p.merchants),
    {
      id: 'success-rate',
      label: 'Taux de succès (wallet)',
      raw: c.successRate === null ? '' : String(c.successRate),
      display: c.successRate === null ? '—' : formatPercent(c.successRate, locale),
      full: c.successRate === null ? 'aucune transaction wallet' : formatPercent(c.successRate, locale),
      change: formatPointChange(c.successRate, p.successRate, locale),
      direction: direction(rateChange),
    },
  ];
}

export function KpiCards({ kpis, locale }: { kpis: Kpis; locale: string }) {
  return (
    <section className="kpis" aria-label={`Indicateurs clés en ${kpis.currency}`} data-testid="kpi-cards" data-currency={kpis.currency}>
      {cards(kpis, locale).map((card) => (
        <article key={card.id} className="kpi" aria-labelledby={`kpi-label-${card.id}`}>
          <h3 id={`kpi-label-${card.id}`} className="kpi-label">
            {card.label}
          </h3>
          <p className="kpi-value" data-testid={`kpi-${card.id}`} data-value={card.raw} title={card.full}>
            {card.display}
          </p>
          <p className={`kpi-change change-${card.direction}`} data-testid={`kpi-${card.id}-change`}>
            <span className="visually-hidden">Évolution par rapport à la période précédente : </span>
            {card.change}
          </p>
        </article>
      ))}
    </section>
  );
}
