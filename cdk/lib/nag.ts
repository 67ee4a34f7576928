// cdk-nag helpers: every acknowledgement carries its reason; finding ids name resources the way
// cdk-nag renders them (logical ids in <>, pseudo parameters as <AWS::…>).
import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledge one cdk-nag finding on a construct, always with its reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** How cdk-nag renders a value in a finding id: the literal, or <AWS::Pseudo> for a token. */
export function nagText(scope: IConstruct, value: string): string {
  if (!Token.isUnresolved(value)) return value;
  const stack = Stack.of(scope);
  if (value === stack.partition) return '<AWS::Partition>';
  if (value === stack.region) return '<AWS::Region>';
  return '<AWS::AccountId>';
}

export function logicalIdOf(c: IConstruct): string {
  return Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
}
