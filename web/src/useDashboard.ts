// The view's lifecycle: REST fetch per filter change, live snapshots on top, and the refetches that
// keep both consistent (after a reconnect, every minute for sliding ranges, and throttled after
// snapshots so merchants, success rate and breakdown catch up).
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { applySnapshot, roomForFilter, type BucketState, type DeltaMessage, type WebConfig } from '../../contracts/index.js';
import type { ApiClient } from './api.js';
import type { Auth } from './auth.js';
import { type DashboardData, fetchDashboard } from './data.js';
import type { DashboardFilters } from './filters.js';
import { LiveConnection } from './live/connection.js';
import type { LiveStatus } from './live/reconnect.js';

/** A sliding range moves on by itself; refetch it this often. */
export const SLIDE_REFRESH_MS = 60_000;
/** After snapshots arrive, refetch once this long after the first (past the 10 s CDN cache). */
export const RECONCILE_AFTER_MS = 12_000;
/** Live snapshots redraw the page at most this often (coalesced), however fast they arrive. */
export const REDRAW_EVERY_MS = 1_000;

export interface DashboardState {
  data: DashboardData | undefined;
  loading: boolean;
  refreshing: boolean;
  error: unknown;
  live: BucketState;
  /** Increments whenever `live` changes, for memoisation. */
  liveVersion: number;
  status: LiveStatus | 'connecting';
  liveError: string | undefined;
  /** The socket has been live since the page (or the last reconnect) started. */
  everLive: boolean;
  refetch(): void;
  /** Drops the live connection and opens a new one (the pill's "Reconnecter"). */
  reconnect(): void;
}

export function useDashboard(config: WebConfig, auth: Auth, api: ApiClient, filters: DashboardFilters): DashboardState {
  const [data, setData] = useState<DashboardData>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [refreshing, setRefreshing] = useState(false);
  const [fetchTick, refetch] = useReducer((n: number) => n + 1, 0);
  const [liveVersion, bumpLive] = useReducer((n: number) => n + 1, 0);
  const [status, setStatus] = useState<LiveStatus | 'connecting'>('connecting');
  const [liveError, setLiveError] = useState<string>();
  const [everLive, setEverLive] = useState(false);
  const [connectionKey, reconnect] = useReducer((n: number) => n + 1, 0);
  // Coalesced redraws: snapshots land in the live map at once, the page re-renders once a second.
  const redrawTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const lastRedraw = useRef(0);
  const scheduleRedraw = useCallback(() => {
    if (redrawTimer.current !== undefined) return;
    const wait = Math.max(0, lastRedraw.current + REDRAW_EVERY_MS - Date.now());
    redrawTimer.current = setTimeout(() => {
      redrawTimer.current = undefined;
      lastRedraw.current = Date.now();
      bumpLive();
    }, wait);
  }, []);
  useEffect(() => () => clearTimeout(redrawTimer.current), []);
  const live = useRef<BucketState>(new Map()).current;
  const filterKey = JSON.stringify(filters);
  const room = roomForFilter(filters);
  const shownKey = useRef<string | undefined>(undefined);
  const reconcileTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  // REST fetch: skeleton on a filter change, quiet refresh otherwise.
  useEffect(() => {
    const controller = new AbortController();
    // Compared with the filters of the figures on screen (robust to aborted runs).
    const filterChanged = shownKey.current !== filterKey;
    if (filterChanged) setLoading(true);
    else setRefreshing(true);
    // After a filter change the KPIs show as soon as phase 1 is in. A quiet refresh publishes only
    // complete views: a new overview next to an old baseline would count some events twice.
    const onPartial = filterChanged
      ? (partial: DashboardData) => {
          if (controller.signal.aborted) return;
          shownKey.current = filterKey;
          setData(partial);
          setError(undefined);
          setLoading(false);
          setRefreshing(true);
        }
      : undefined;
    fetchDashboard(api, filters, Date.now(), controller.signal, onPartial).then(
      (d) => {
        if (controller.signal.aborted) return;
        // Snapshots of minutes that left the range are of no use any more.
        const from = Date.parse(d.range.from);
        for (const [k, s] of live) if (s.room !== d.room || Date.parse(s.bucket) < from) live.delete(k);
        shownKey.current = filterKey;
        setData(d);
        setError(undefined);
        setLoading(false);
        setRefreshing(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        // Figures of other filters must not stay on screen under the new ones; a failed quiet
        // refresh keeps the last good view below the error.
        // KPIs already shown for these filters (phase 1) stay: a refused phase-2 request must not
        // take them away.
        if (filterChanged && shownKey.current !== filterKey) {
          shownKey.current = undefined;
          setData(undefined);
        }
        setError(err);
        setLoading(false);
        setRefreshing(false);
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, filterKey, fetchTick]);

  // Sliding ranges refetch every minute.
  useEffect(() => {
    if (filters.range === 'custom') return;
    const t = setInterval(refetch, SLIDE_REFRESH_MS);
    return () => clearInterval(t);
  }, [filters.range]);

  const scheduleReconcile = useCallback(() => {
    if (reconcileTimer.current !== undefined) return;
    reconcileTimer.current = setTimeout(() => {
      reconcileTimer.current = undefined;
      refetch();
    }, RECONCILE_AFTER_MS);
  }, []);
  useEffect(() => () => clearTimeout(reconcileTimer.current), []);

  // Live connection: one per page, moved between rooms as the filters change.
  const connection = useRef<LiveConnection>(undefined);
  const roomRef = useRef(room);
  roomRef.current = room;
  useEffect(() => {
    const c = new LiveConnection(config.wsUrl, (renew) => (renew ? auth.renew() : auth.token()), roomRef.current, {
      delta: (msg: DeltaMessage) => {
        if (msg.room !== roomRef.current) return;
        const { type: _type, ...snapshot } = msg;
        if (applySnapshot(live, snapshot)) {
          scheduleRedraw();
          scheduleReconcile();
        }
      },
      status: (s) => {
        setStatus(s);
        if (s === 'live') {
          setLiveError(undefined);
          setEverLive(true);
        }
        // Repeated refusals may be an expired token (the upgrade only says no): a REST call renews
        // it on its 401 (dev token or login page), and the next attempt uses the new one.
        if (s === 'offline') refetch();
      },
      // The immediate refetch may be answered from the 10 s CDN cache; the reconcile refetch after
      // RECONCILE_AFTER_MS is past any entry cached before the reconnect.
      refetch: () => {
        refetch();
        scheduleReconcile();
      },
      serverError: (m) => setLiveError(m),
    });
    connection.current = c;
    setEverLive(false);
    setStatus('connecting');
    c.start();
    return () => c.stop();
  }, [config.wsUrl, auth, live, scheduleReconcile, scheduleRedraw, connectionKey]);

  useEffect(() => {
    connection.current?.setRoom(room);
    for (const [k, s] of live) if (s.room !== room) live.delete(k);
    bumpLive();
  }, [room, live]);

  return useMemo(
    () => ({ data, loading, refreshing, error, live, liveVersion, status, liveError, everLive, refetch, reconnect }),
    [data, loading, refreshing, error, live, liveVersion, status, liveError, everLive],
  );
}
