import { describeErrorFr } from '../messages.js';

export function Skeleton({ lines = 1, height, testId = 'loading-skeleton' }: { lines?: number; height?: number; testId?: string }) {
  return (
    <div className="skeleton" data-testid={testId} aria-busy="true" aria-label="Chargement…" role="progressbar">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" style={height ? { height } : undefined} />
      ))}
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  title = 'Les données n’ont pas pu être chargées.',
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <strong>{title}</strong>
      <p>{describeErrorFr(error)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry} data-testid="retry">
          Réessayer
        </button>
      )}
    </div>
  );
}

export function EmptyState({ children, testId = 'empty-state' }: { children: React.ReactNode; testId?: string }) {
  return (
    <div className="state state-empty" data-testid={testId}>
      {children}
    </div>
  );
}
