import { useEffect, useState } from 'react';
import { formatAge } from '../format.js';
import type { LiveStatus } from '../live/reconnect.js';

const LABELS: Record<LiveStatus | 'connecting', string> = {
  connecting: 'Connexion…',
  live: 'En direct',
  reconnecting: 'Reconnexion…',
  offline: 'Hors ligne',
};

/** Live / reconnecting / offline, with the age of the newest data (ticks every second). */
export function StatusIndicator({ status, newest, locale, detail }: { status: LiveStatus | 'connecting'; newest?: number; locale: string; detail?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className={`status status-${status}`} data-testid="status-indicator" data-status={status} role="status" aria-live="polite" title={detail}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-label">{LABELS[status]}</span>
      {newest !== undefined && (
        <span className="status-age" data-testid="status-age" data-newest={new Date(newest).toISOString()}>
          données il y a {formatAge(now - newest, locale)}
        </span>
      )}
      {detail && <span className="status-detail">{detail}</span>}
    </div>
  );
}
