// Display names for enum values (French-speaking operations teams are the primary users).
import type { EventType, MerchantSort } from '../../contracts/index.js';
import type { BreakdownBy, ChartMetric, RangePreset } from './filters.js';

export const TYPE_LABELS: Record<EventType, string> = {
  wallet_txn_created: 'Transactions wallet',
  'payout.settled': 'Paiements réglés',
  'invoice.paid': 'Factures payées',
};

export const TYPE_COLORS: Record<EventType, string> = {
  wallet_txn_created: '#2563eb',
  'payout.settled': '#16a34a',
  'invoice.paid': '#d97706',
};

export const RANGE_LABELS: Record<RangePreset | 'custom', string> = {
  '15m': '15 dernières minutes',
  '1h': 'Dernière heure',
  '24h': 'Dernières 24 h',
  '7d': '7 derniers jours',
  '30d': '30 derniers jours',
  custom: 'Période personnalisée',
};

export const METRIC_LABELS: Record<ChartMetric, string> = { volume: 'Volume', count: 'Nombre', fees: 'Frais' };
export const BY_LABELS: Record<BreakdownBy, string> = {
  zone: 'Zone',
  country: 'Pays',
  city: 'Ville',
  merchant: 'Marchand',
  type: 'Type',
  currency: 'Devise',
};
export const MERCHANT_SORT_LABELS: Record<MerchantSort, string> = { count: 'Transactions', volume: 'Volume', failed: 'Échecs' };
