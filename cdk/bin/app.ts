// CDK entry: `npx cdk synth|deploy -c env=dev|staging|prod [-c key=value ...]` (see cdk/lib/config.ts).
import { buildApp } from '../lib/app.js';

const { app } = buildApp();
app.synth();
