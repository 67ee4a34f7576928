// Chart.js pieces, loaded lazily (its own chunk) so the KPIs render before the chart library
// arrives. Only the controllers and elements used are registered, which lets the rest tree-shake.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartOptions,
  type ScriptableLineSegmentContext,
} from 'chart.js';
import { Bar, Chart, Line } from 'react-chartjs-2';
import type { SuccessSeries } from '../charts/success.js';
import { type DisplayZone, formatBucket, formatCount, formatMoney, formatPercent } from '../format.js';
import { TYPE_COLORS, TYPE_LABELS } from '../labels.js';
import type { ChartSeries } from '../live/merge.js';
import { decimate } from '../charts/decimate.js';

/** Points drawn per line at most (the data table keeps every point). */
export const DRAWN_POINTS = 400;

ChartJS.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
// Chart text follows the page's fluid font size (larger on wall screens).
if (typeof document !== 'undefined') {
  const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
  ChartJS.defaults.font.size = Math.round(rootPx * 0.8);
  ChartJS.defaults.color = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#5b6475';
}

export const GHOST_LABEL = 'Période précédente';
const GHOST_COLOR = '#8b93a3';

function valueFormatter(metric: 'count' | 'volume' | 'fees', currency: string, locale: string) {
  return (v: number) => (metric === 'count' ? formatCount(v, locale) : formatMoney(v, currency, locale));
}

export interface TimeseriesChartProps {
  series: ChartSeries;
  metric: 'count' | 'volume' | 'fees';
  currency: string;
  locale: string;
  zone: DisplayZone;
  /** Index of the bucket still filling (drawn dashed, never as a drop); -1 for none. */
  incomplete: number;
  /** Previous period's total per bucket, aligned by position. */
  ghost: Array<number | null>;
}

/** What every chart shares: sized by its card, drawn without animation (live data redraws often). */
const BASE_CHART = { responsive: true, maintainAspectRatio: false, animation: false } as const;
/** Time charts: the tooltip lists every series at the hovered bucket. */
const TIME_CHART = { ...BASE_CHART, interaction: { mode: 'index', intersect: false } } as const;

/** The segment into the incomplete bucket (index `incomplete`, -1 for none) is dashed: it is still filling, not falling. */
function dashedFrom(incomplete: number) {
  return (ctx: ScriptableLineSegmentContext) => (incomplete >= 0 && ctx.p1DataIndex >= incomplete ? [6, 4] : undefined);
}

export function TimeseriesChart({
  series: full,
  metric,
  currency,
  locale,
  zone,
  incomplete: fullIncomplete,
  ghost: fullGhost,
}: TimeseriesChartProps) {
  const fmt = valueFormatter(metric, currency, locale);
  const { indexes } = decimate([...full.lines.map((l) => l.values), fullGhost.map((v) => v ?? 0)], DRAWN_POINTS, [fullIncomplete]);
  const pick = <T,>(xs: readonly T[]) => indexes.map((i) => xs[i]!);
  const series: ChartSeries = {
    granularity: full.granularity,
    labels: pick(full.labels),
    lines: full.lines.map((l) => ({ type: l.type, values: pick(l.values) })),
  };
  const ghost = indexes.map((i) => fullGhost[i] ?? null);
  const incomplete = fullIncomplete < 0 ? -1 : indexes.indexOf(fullIncomplete);
  const dashed = dashedFrom(incomplete);
  const options: ChartOptions<'line'> = {
    ...TIME_CHART,
    plugins: {
      legend: { position: 'bottom' },
      tooltip: {
        callbacks: {
          label: (ctx) =>
            `${ctx.dataset.label}: ${fmt(Number(ctx.parsed.y))}${incomplete >= 0 && ctx.dataIndex >= incomplete && ctx.dataset.label !== GHOST_LABEL ? ' (en cours)' : ''}`,
        },
      },
    },
    scales: {
      x: { ticks: { maxTicksLimit: 12, autoSkip: true } },
      y: { beginAtZero: true, ticks: { callback: (v) => fmt(Number(v)) } },
    },
  };
  const many = series.labels.length > 90;
  return (
    <Line
      aria-label={`${series.lines.length} courbes par type d’événement et la période précédente ; tableau de données disponible sous le graphique`}
      role="img"
      options={options}
      data={{
        labels: series.labels.map((t) => formatBucket(t, series.granularity, locale, zone)),
        datasets: [
          ...series.lines.map((l) => ({
            label: TYPE_LABELS[l.type],
            data: l.values,
            borderColor: TYPE_COLORS[l.type],
            backgroundColor: TYPE_COLORS[l.type],
            pointRadius: l.values.map((_, i) => (i === incomplete ? 4 : many ? 0 : 2)),
            pointBackgroundColor: l.values.map((_, i) => (i === incomplete ? '#ffffff' : TYPE_COLORS[l.type])),
            borderWidth: 2,
            tension: 0.2,
            segment: { borderDash: dashed },
          })),
          {
            label: GHOST_LABEL,
            data: ghost,
            borderColor: GHOST_COLOR,
            backgroundColor: GHOST_COLOR,
            borderDash: [2, 3],
            pointRadius: 0,
            borderWidth: 1.5,
            tension: 0.2,
            spanGaps: false,
          },
        ],
      }}
    />
  );
}

export function BreakdownChart({
  rows,
  currency,
  locale,
  onPick,
}: {
  rows: Array<{ key: string; label: string; volume: number }>;
  currency: string;
  locale: string;
  onPick?(key: string): void;
}) {
  const fmt = valueFormatter('volume', currency, locale);
  const options: ChartOptions<'bar'> = {
    ...BASE_CHART,
    indexAxis: 'y',
    plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => fmt(Number(ctx.parsed.x)) } } },
    scales: { x: { beginAtZero: true, ticks: { callback: (v) => fmt(Number(v)) } } },
    onClick: (_e, elements) => {
      const i = elements[0]?.index;
      if (i !== undefined && rows[i] && onPick) onPick(rows[i].key);
    },
    onHover: (e, elements) => {
      const target = e.native?.target as HTMLElement | undefined;
      if (target) target.style.cursor = elements.length && onPick ? 'pointer' : 'default';
    },
  };
  return (
    <Bar
      aria-label="Volume par valeur de la répartition ; tableau équivalent à côté, cliquez une ligne pour descendre d’un niveau"
      role="img"
      options={options}
      data={{
        labels: rows.map((r) => r.label),
        datasets: [{ label: 'Volume', data: rows.map((r) => r.volume), backgroundColor: '#2563eb' }],
      }}
    />
  );
}

/** Line colours for currencies, by position (the per-currency table's order). */
export const SERIES_PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#dc2626', '#4d7c0f', '#be185d'];
const FAILED_COLOR = '#dc2626';
export const FAILED_LABEL = 'Échecs (toutes devises)';
export const PREVIOUS_FAILED_LABEL = 'Échecs, période précédente';

export interface SuccessChartProps {
  series: SuccessSeries;
  locale: string;
  zone: DisplayZone;
  /** Index of the bucket still filling; -1 for none. */
  incomplete: number;
}

/** Success rate per currency (lines, left axis 0–100 %) over failed counts (bars, right axis) and their previous period. */
export function SuccessChart({ series: full, locale, zone, incomplete: fullIncomplete }: SuccessChartProps) {
  const { indexes } = decimate(
    [...full.rates.map((r) => r.values.map((v) => v ?? 0)), full.failed, full.previousFailed.map((v) => v ?? 0)],
    DRAWN_POINTS,
    [fullIncomplete],
  );
  const pick = <T,>(xs: readonly T[]) => indexes.map((i) => xs[i]!);
  const incomplete = fullIncomplete < 0 ? -1 : indexes.indexOf(fullIncomplete);
  const dashed = dashedFrom(incomplete);
  const pct = (v: number) => formatPercent(v, locale);
  const options: ChartOptions<'bar' | 'line'> = {
    ...TIME_CHART,
    plugins: {
      legend: { position: 'bottom' },
      tooltip: {
        callbacks: {
          label: (ctx) => {
            const y = ctx.parsed.y;
            const value = ctx.dataset.yAxisID === 'rate' ? (y === null ? '—' : pct(Number(y))) : formatCount(Number(y), locale);
            return `${ctx.dataset.label}: ${value}${incomplete >= 0 && ctx.dataIndex >= incomplete ? ' (en cours)' : ''}`;
          },
        },
      },
    },
    scales: {
      x: { ticks: { maxTicksLimit: 12, autoSkip: true } },
      rate: { type: 'linear', position: 'left', min: 0, max: 1, ticks: { callback: (v) => pct(Number(v)) } },
      failed: {
        type: 'linear',
        position: 'right',
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        ticks: { callback: (v) => formatCount(Number(v), locale) },
      },
    },
  };
  const labels = pick(full.labels).map((t) => formatBucket(t, full.granularity, locale, zone));
  return (
    <Chart
      type="bar"
      aria-label={`Taux de succès des transactions wallet pour ${full.rates.length} devise(s) et échecs par période ; tableau de données disponible sous le graphique`}
      role="img"
      options={options}
      data={{
        labels,
        datasets: [
          ...full.rates.map((r, k) => ({
            type: 'line' as const,
            label: `Succès ${r.currency}`,
            data: pick(r.values),
            yAxisID: 'rate',
            borderColor: SERIES_PALETTE[k % SERIES_PALETTE.length],
            backgroundColor: SERIES_PALETTE[k % SERIES_PALETTE.length],
            pointRadius: indexes.length > 90 ? 0 : 2,
            borderWidth: 2,
            tension: 0.2,
            spanGaps: false,
            segment: { borderDash: dashed },
          })),
          {
            type: 'bar' as const,
            label: FAILED_LABEL,
            data: pick(full.failed),
            yAxisID: 'failed',
            backgroundColor: pick(full.failed).map((_, i) => (i === incomplete ? 'rgba(220, 38, 38, 0.25)' : 'rgba(220, 38, 38, 0.55)')),
            borderColor: FAILED_COLOR,
            borderWidth: pick(full.failed).map((_, i) => (i === incomplete ? 1 : 0)),
          },
          {
            type: 'line' as const,
            label: PREVIOUS_FAILED_LABEL,
            data: pick(full.previousFailed),
            yAxisID: 'failed',
            borderColor: GHOST_COLOR,
            backgroundColor: GHOST_COLOR,
            borderDash: [2, 3],
            pointRadius: 0,
            borderWidth: 1.5,
            spanGaps: false,
          },
        ],
      }}
    />
  );
}
