// npm run local:reset: wipes the local cloud's data (ClickHouse, DynamoDB, dev keys, Kafka data,
// on-failure files). The downloaded Kafka jars (.local/kafka/<version>/lib) are a cache, not data:
// they are kept so the next `kafka:up` stays offline.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { localDir } from './config.js';

const dir = localDir();
const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
for (const entry of entries) {
  const full = path.join(dir, entry.name);
  if (entry.name !== 'kafka') {
    await rm(full, { recursive: true, force: true });
    continue;
  }
  for (const inner of await readdir(full, { withFileTypes: true })) {
    const keepLib = inner.isDirectory() && /^\d+\.\d+\.\d+$/.test(inner.name);
    if (!keepLib) await rm(path.join(full, inner.name), { recursive: true, force: true });
    else
      for (const f of await readdir(path.join(full, inner.name)))
        if (f !== 'lib') await rm(path.join(full, inner.name, f), { recursive: true, force: true });
  }
}
console.log(`removed the local cloud's data under ${dir} (Kafka jar cache kept)`);
