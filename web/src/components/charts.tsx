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
} from 'chart.js';
import { Bar, Line } from 'react-chartjs-2';
import { formatBucket, formatCount, formatMoney } from '../format.js';
import { TYPE_COLORS, TYPE_LABELS } from '../labels.js';
import type { ChartSeries } from '../live/merge.js';

ChartJS.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
// Chart text follows the page's fluid font size (larger on wall screens).
if (typeof document !== 'undefined') {
  const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
  ChartJS.defaults.font.size = Math.round(rootPx * 0.8);
}

function valueFormatter(metric: 'count' | 'volume' | 'fees', currency: string, locale: string) {
  return (v: number) => (metric === 'count' ? formatCount(v, locale) : formatMoney(v, currency, locale));
}

export function TimeseriesChart({ series, metric, currency, locale }: { series: ChartSeries; metric: 'count' | 'volume' | 'fees'; currency: string; locale: string }) {
  const fmt = valueFormatter(metric, currency, locale);
  const options: ChartOptions<'line'> = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom' },
      tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(Number(ctx.parsed.y))}` } },
    },
    scales: {
      x: { ticks: { maxTicksLimit: 12, autoSkip: true } },
      y: { beginAtZero: true, ticks: { callback: (v) => fmt(Number(v)) } },
    },
  };
  return (
    <Line
      aria-label="Série temporelle par type d’événement"
      role="img"
      options={options}
      data={{
        labels: series.labels.map((t) => formatBucket(t, series.granularity, locale)),
        datasets: series.lines.map((l) => ({
          label: TYPE_LABELS[l.type],
          data: l.values,
          borderColor: TYPE_COLORS[l.type],
          backgroundColor: TYPE_COLORS[l.type],
          pointRadius: series.labels.length > 90 ? 0 : 2,
          borderWidth: 2,
          tension: 0.2,
        })),
      }}
    />
  );
}

export function BreakdownChart({ rows, currency, locale }: { rows: Array<{ key: string; volume: number }>; currency: string; locale: string }) {
  const fmt = valueFormatter('volume', currency, locale);
  const options: ChartOptions<'bar'> = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    indexAxis: 'y',
    plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => fmt(Number(ctx.parsed.x)) } } },
    scales: { x: { beginAtZero: true, ticks: { callback: (v) => fmt(Number(v)) } } },
  };
  return (
    <Bar
      aria-label="Volume par clé de répartition"
      role="img"
      options={options}
      data={{ labels: rows.map((r) => r.key), datasets: [{ label: 'Volume', data: rows.map((r) => r.volume), backgroundColor: '#2563eb' }] }}
    />
  );
}
