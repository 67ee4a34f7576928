// One valid event as a producer sends it, and the clock it is valid at: the base the contract
// tests patch one field of at a time.
export const VALID_AT = Date.parse('2026-11-27T10:15:30.000Z');

export const VALID_EVENT = {
  event_id: 'evt_1',
  occurred_at: '2026-11-27T10:15:30.123Z',
  amount: '1500.00',
  fee: '15.5',
  currency: 'XOF',
  zone: 'WAEMU',
  country: 'SN',
  city: 'Dakar',
  merchant_id: 'm_sn_0001',
  status: 'succeeded',
} as const;
