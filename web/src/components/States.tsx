import { describeError } from '../api.js';

export function Skeleton({ lines = 1, height, testId = 'loading-skeleton' }: { lines?: number; height?: number; testId?: string }) {
  return (
    <div className="skeleton" data-testid={testId} aria-busy="true" aria-label="Chargement…">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" style={height ? { height } : undefined} />
      ))}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <strong>Les données n’ont pas pu être chargées.</strong>
      <p>{describeError(error)}</p>
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
