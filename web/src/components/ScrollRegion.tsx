import type { ReactNode } from 'react';

/**
 * A table that scrolls inside its card (never the page). Keyboard users must be able to scroll it
 * too (WCAG 2.1.1; axe's scrollable-region-focusable), so it is a focusable, named region.
 */
export function ScrollRegion({ label, capped, children }: { label: string; capped?: boolean; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled.
    // biome-ignore lint/a11y/useSemanticElements: a <section> would add a landmark per table; role=region with its label is the pattern for a scroll container.
    <div className={capped ? 'table-scroll table-scroll-capped' : 'table-scroll'} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
