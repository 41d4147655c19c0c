import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { L1Submitter } from '../../lib/infra/l1-submitter.ts';
import { cleanupOutdirs, constructStack, refOf, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

type Policy = { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } };

/** Roles (logical ids) whose policies allow `action`. */
function rolesAllowed(template: Template, action: string): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map((p) => p as Policy)
    .filter((p) => p.Properties.PolicyDocument.Statement.some((s) => [s.Action].flat().includes(action)))
    .flatMap((p) => p.Properties.Roles.map((r) => r.Ref));
}

describe('L1Submitter in the stack', () => {
  const { stack, template } = synthProver();
  const secret = refOf(stack.submitter.signingKey).slice(1, -1);

  it('creates the signing key secret with a generated 64-hex-digit key, retained on stack deletion', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toEqual([secret]);
    expect(secrets[secret]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        GenerateSecretString: {
          PasswordLength: 64,
          ExcludeCharacters: 'ghijklmnopqrstuvwxyz',
          ExcludePunctuation: true,
          ExcludeUppercase: true,
          IncludeSpace: false,
        },
      },
    });
  });

  it('only the Submit function may read it', () => {
    expect(rolesAllowed(template, 'secretsmanager:GetSecretValue')).toEqual([refOf(stack.submitter.function.role!).slice(1, -1)]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SIGNING_KEY_SECRET_ARN: { Ref: secret } } },
    });
  });

  it('its resource policy denies reading the key to every principal but the Submit role (admins included)', () => {
    const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy')) as {
      Properties: { SecretId: unknown; BlockPublicPolicy?: boolean; ResourcePolicy: { Statement: unknown[] } };
    }[];
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.SecretId).toEqual({ Ref: secret });
    expect(policies[0]!.Properties.BlockPublicPolicy).toBe(true);
    expect(policies[0]!.Properties.ResourcePolicy.Statement).toEqual([
      {
        Sid: 'OnlySubmitReadsTheKey',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [refOf(stack.submitter.function.role!).slice(1, -1), 'Arn'] } } },
      },
    ]);
  });

  it('Submit gets the L1 endpoints (all of them, for fallback), the rollup and the chain id', () => {
    const fn = template.findResources('AWS::Lambda::Function')[refOf(stack.submitter.function).slice(1, -1)] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    expect(fn.Properties.Environment.Variables).toMatchObject({
      RPC_URLS: 'https://rpc-1.example.org,https://rpc-2.example.org',
      ROLLUP_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      L1_CHAIN_ID: '11155111',
      PROFILE: 'devnet',
    });
  });
});

describe('L1Submitter with an imported key', () => {
  it('creates no secret and grants Submit read access to the given one', () => {
    const stack = constructStack();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prover/l1-key-AbCdEf';
    const submitter = new L1Submitter(stack, 'Submitter', { bucket: new s3.Bucket(stack, 'B'), signingKeySecretArn: arn, environment: {} });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(submitter.signingKey.secretArn).toBe(arn);
    const statement = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as Policy).Properties.PolicyDocument.Statement)
      .find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(statement?.Resource).toBe(arn);
  });

  it('Submit may decrypt it with its key (whatever key encrypts it), only through Secrets Manager and only for this secret', () => {
    const stack = constructStack();
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prover/l1-key-AbCdEf';
    new L1Submitter(stack, 'Submitter', { bucket: new s3.Bucket(stack, 'B'), signingKeySecretArn: arn, environment: {} });
    const template = Template.fromStack(stack);
    const decrypt = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as Policy).Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().includes('kms:Decrypt'));
    expect(decrypt).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:eu-west-1:*:key/*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': arn },
        },
      }),
    ]);
    // Not ours to govern: the stack leaves an imported secret's resource policy to its owner (README: Security).
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });
});
