import { formatChange, formatCount, formatMoney, formatPercent, formatPointChange, relativeChange } from '../format.js';
import type { KpiFigures, Kpis } from '../live/merge.js';
import type { GlobalKpis } from '../overview/kpis.js';

interface Card {
  id: string;
  label: string;
  /** Raw value for tests and tooltips: decimal string, integer or ratio. */
  raw: string;
  display: string;
  full: string;
  change: string;
  direction: 'up' | 'down' | 'flat' | 'none';
  /** A rise is bad news (failures). */
  inverse?: boolean;
}

function direction(change: number | undefined): Card['direction'] {
  if (change === undefined) return 'none';
  return change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
}

function countCard(id: string, label: string, cur: number | null, prev: number | null, locale: string, inverse = false): Card {
  const ch = cur === null || prev === null ? undefined : relativeChange(cur, prev);
  return {
    id,
    label,
    raw: cur === null ? '' : String(cur),
    display: cur === null ? '—' : formatCount(cur, locale),
    full: cur === null ? 'non disponible' : formatCount(cur, locale, { compact: false }),
    change: formatChange(ch, locale),
    direction: direction(ch),
    inverse,
  };
}

function moneyCards(k: Kpis, locale: string): Card[] {
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
  return [
    money('volume', 'Volume', (f) => f.volume),
    money('avg-ticket', 'Panier moyen', (f) => f.avgTicket),
    money('fees', 'Frais', (f) => f.fees),
  ];
}

function globalCards(g: GlobalKpis, locale: string): Card[] {
  const rateChange = g.successRate !== null && g.previousSuccessRate !== null ? g.successRate - g.previousSuccessRate : undefined;
  return [
    countCard('count', 'Transactions', g.count, g.previousCount, locale),
    countCard('failed', 'Échecs', g.failed, g.previousFailed, locale, true),
    {
      id: 'success-rate',
      label: 'Taux de succès (wallet)',
      raw: g.successRate === null ? '' : String(g.successRate),
      display: g.successRate === null ? '—' : formatPercent(g.successRate, locale),
      full: g.successRate === null ? 'aucune transaction wallet' : formatPercent(g.successRate, locale),
      change: formatPointChange(g.successRate, g.previousSuccessRate, locale),
      direction: direction(rateChange),
    },
    countCard('merchants', 'Marchands actifs', g.merchants, g.previousMerchants, locale),
  ];
}

function CardList({ cards, compareLabel }: { cards: Card[]; compareLabel: string }) {
  return (
    <>
      {cards.map((card) => (
        <article key={card.id} className="kpi" aria-labelledby={`kpi-label-${card.id}`}>
          <h3 id={`kpi-label-${card.id}`} className="kpi-label">
            {card.label}
          </h3>
          <p className="kpi-value" data-testid={`kpi-${card.id}`} data-value={card.raw} title={card.full}>
            {card.display}
          </p>
          <p
            className={`kpi-change change-${card.direction}${card.inverse ? ' change-inverse' : ''}`}
            data-testid={`kpi-${card.id}-change`}
          >
            {card.change} <span className="kpi-compare">{compareLabel}</span>
          </p>
        </article>
      ))}
    </>
  );
}

/** Currency-independent KPIs (every currency summed; money never). */
export function GlobalKpiCards({ kpis, locale, compareLabel }: { kpis: GlobalKpis; locale: string; compareLabel: string }) {
  return (
    <section className="kpi-group" aria-labelledby="kpi-global-title" data-testid="kpi-global">
      <h2 id="kpi-global-title" className="group-title">
        Toutes devises
      </h2>
      <div className="kpis">
        <CardList cards={globalCards(kpis, locale)} compareLabel={compareLabel} />
      </div>
    </section>
  );
}

/** Money KPIs of one currency. */
export function KpiCards({ kpis, locale, compareLabel }: { kpis: Kpis; locale: string; compareLabel: string }) {
  return (
    <section className="kpi-group" aria-labelledby="kpi-money-title" data-testid="kpi-cards" data-currency={kpis.currency}>
      <h2 id="kpi-money-title" className="group-title">
        Montants en {kpis.currency}
      </h2>
      <div className="kpis">
        <CardList cards={moneyCards(kpis, locale)} compareLabel={compareLabel} />
      </div>
    </section>
  );
}
