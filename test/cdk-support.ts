// Synth helpers for the CDK tests: the same buildApp the CLI uses, with bundling skipped and the
// built-in CloudFormation validation off for unit synths (fast), or both validations on (strict).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import type { AnalyticsStack } from '../cdk/lib/analytics-stack.js';
import { buildApp, cdkJsonContext } from '../cdk/lib/app.js';
import type { EnvName } from '../cdk/lib/config.js';

const tempDirs: string[] = [];
// Every file importing this module cleans its assemblies up (forked workers do not run 'exit' hooks).
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  cache.clear();
});

/** A temporary directory removed when the test process exits (cloud assemblies are tens of MB). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export interface Synth {
  app: App;
  stack: AnalyticsStack;
  template: Template;
}

const cache = new Map<string, Synth>();

/** Unit synth: no bundling, no built-in validation, no cdk-nag. Memoized per env + context. */
export function synthUnit(env: EnvName, context: Record<string, unknown> = {}): Synth {
  const key = JSON.stringify([env, context]);
  const hit = cache.get(key);
  if (hit) return hit;
  const app = new App({
    outdir: tempDir('cdk-unit-'),
    context: { ...cdkJsonContext(), env, 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
  const { stack } = buildApp({ app, nag: false });
  const synth = { app, stack, template: Template.fromStack(stack) };
  cache.set(key, synth);
  return synth;
}

/** Strict synth: built-in CloudFormation validation and cdk-nag AwsSolutions; throws on violations. */
export function synthStrict(env: EnvName, context: Record<string, unknown> = {}, amend?: (stack: AnalyticsStack) => void) {
  const outdir = tempDir('cdk-strict-');
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), env, 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: true,
  });
  const { stack } = buildApp({ app, nag: true });
  amend?.(stack);
  const assembly = app.synth();
  return { app, stack, assembly, outdir };
}

type Json = Record<string, any>;

/** Every statement of every inline policy, with the policy's roles. */
export function policyStatements(template: Template): { policy: string; roles: unknown[]; statement: Json }[] {
  const out: { policy: string; roles: unknown[]; statement: Json }[] = [];
  for (const [policy, res] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const doc = (res as Json).Properties.PolicyDocument;
    for (const statement of doc.Statement as Json[]) out.push({ policy, roles: (res as Json).Properties.Roles ?? [], statement });
  }
  return out;
}

/** The statements of the inline policy attached to a function's role. */
export function statementsOfFunction(template: Template, functionLogicalId: string): Json[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId] as Json;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return policyStatements(template)
    .filter((p) => p.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .map((p) => p.statement);
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export const ENVS = ['dev', 'staging', 'prod'] as const;

/** Logical id of a construct's default CloudFormation resource in a synth's stack. */
export const logicalId = (s: { stack: { getLogicalId: (e: any) => string } }, c: { node: { defaultChild?: unknown } }) =>
  s.stack.getLogicalId(c.node.defaultChild as any);
