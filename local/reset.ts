// npm run local:reset: wipes the local cloud's data (ClickHouse, DynamoDB, dev keys, Kafka data).
import { rm } from 'node:fs/promises';
import { localDir } from './config.js';

const dir = localDir();
await rm(dir, { recursive: true, force: true });
console.log(`removed ${dir}`);
