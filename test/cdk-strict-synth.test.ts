// Strict synth of every environment: built-in CloudFormation validation (cdk.json feature flags make
// its default rules errors) and cdk-nag AwsSolutions as validation plugins. Synthesis throws on any
// unacknowledged violation, so passing means none is left; the last test shows both plugins bite.
// Bundling is skipped here (cdk-cli-synth.test.ts bundles for real).
import { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { expect, test } from 'vitest';
import { synthStrict } from './cdk-support.js';

test.each(['dev', 'staging', 'prod'] as const)(
  '%s synthesizes with CloudFormation validation and cdk-nag clean',
  (env) => {
    const { stack, assembly } = synthStrict(env);
    expect(assembly.getStackByName(stack.stackName).template.Resources).toBeDefined();
    // Whatever remains is a warning, and only the deliberate ones: placeholders and "no web build".
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    const warnings = annotations.findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
    for (const w of warnings) expect(w).toMatch(/is a placeholder|is required for prod|web\/dist does not exist/);
  },
  240_000,
);

test('the strict synth fails on an unacknowledged cdk-nag finding and on an invalid CloudFormation property', () => {
  expect(() =>
    synthStrict('dev', {}, (stack) => {
      new s3.Bucket(stack, 'CarelessBucket'); // no TLS-only policy, no access logs
    }),
  ).toThrow(/AwsSolutions-S10/);
  // A resource type cdk-nag has no rule for: only the CloudFormation schema check can object.
  expect(() =>
    synthStrict('dev', {}, (stack) => {
      new CfnResource(stack, 'BrokenParam', {
        type: 'AWS::SSM::Parameter',
        properties: { Type: 'String', Value: 'x', NotAProperty: true },
      });
    }),
  ).toThrow(/NotAProperty[\s\S]*CloudFormation Validate/);
}, 240_000);
