import { useEffect, useState } from 'react';
import { formatAge } from '../format.js';
import type { Indicator } from '../live/indicator.js';

/**
 * The live pill. Only the state label is a live region: the ticking age sits outside it, so screen
 * readers hear a change of state, not a count of seconds.
 */
export function StatusIndicator({
  indicator,
  newest,
  locale,
  onReconnect,
}: {
  indicator: Indicator;
  newest?: number;
  locale: string;
  onReconnect(): void;
}) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div
      className={`status status-${indicator.state}`}
      data-testid="status-indicator"
      data-status={indicator.state}
      title={indicator.detail}
    >
      <span className="status-dot" aria-hidden="true" />
      <span className="status-label" role="status" aria-live="polite">
        {indicator.label}
        {indicator.detail && <span className="visually-hidden"> : {indicator.detail}</span>}
      </span>
      {/* Always present (reserving its width), outside the live region. */}
      <span className="status-age" data-testid="status-age" data-newest={newest === undefined ? undefined : new Date(newest).toISOString()}>
        {newest === undefined ? 'données…' : `données il y a ${formatAge(now - newest, locale)}`}
      </span>
      {indicator.canReconnect && (
        <button type="button" className="small-button" data-testid="reconnect" onClick={onReconnect}>
          Reconnecter
        </button>
      )}
    </div>
  );
}
