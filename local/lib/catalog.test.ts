import { expect, test } from 'vitest';
import { FUNCTIONS } from '../../functions/catalog.js';
import { catalogFunction, catalogFunctions, catalogHandlers, importHandler } from './catalog.js';

test('catalogFunctions picks the functions of one trigger kind, in catalog order', () => {
  const ws = catalogFunctions('websocket');
  expect(ws.map((f) => f.id)).toEqual(FUNCTIONS.filter((f) => f.trigger.kind === 'websocket').map((f) => f.id));
  expect(ws.length).toBeGreaterThan(0);
  expect(catalogFunction('dynamodb-stream').trigger.table).toBe('deltas');
});

test('catalogHandlers imports the handler each entry exports', async () => {
  const http = await catalogHandlers('http');
  expect(http.map((h) => h.def.entry)).toEqual(catalogFunctions('http').map((f) => f.entry));
  for (const { handler } of http) expect(typeof handler).toBe('function');
});

test('an entry without a handler export is an error naming the entry', async () => {
  await expect(importHandler('functions/catalog.ts')).rejects.toThrow('functions/catalog.ts does not export a handler');
});
