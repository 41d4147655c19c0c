import { Arn, ArnFormat, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { S3_GRANT_WILDCARD_ACTIONS, acknowledgeNag, nagRef } from './nag.ts';
import { ProverFunction } from './prover-function.ts';

export interface L1SubmitterProps {
  readonly bucket: s3.IBucket;
  /**
   * Existing secret holding the L1 signing key (hex private key).
   * @default - a new secret with a generated key
   */
  readonly signingKeySecretArn?: string;
  /** Environment of the Submit function (profile, L1 endpoints, rollup address …). */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The Submit Lambda (lambdas/submit.ts) and the L1 signing key it alone may read. Without an imported
 * secret, a new one gets a random 32-byte hex key (a valid secp256k1 key with overwhelming probability):
 * fund its address, or put your own key in the secret.
 *
 * Who can read the key: a new secret's resource policy denies secretsmanager:GetSecretValue to every principal
 * but the Submit function's role — account admins and the root user included, since an IAM `*` grant would
 * otherwise reach the prover's hot key. Writing a new key (PutSecretValue) stays with IAM. Break-glass: an admin
 * deletes the resource policy (DeleteResourcePolicy, in CloudTrail); the next deploy puts it back. An imported
 * secret keeps its owner's resource policy (the stack would otherwise replace it, and delete it on teardown).
 */
export class L1Submitter extends Construct {
  public readonly function: ProverFunction['function'];
  public readonly signingKey: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: L1SubmitterProps) {
    super(scope, id);
    if (props.signingKeySecretArn) {
      this.signingKey = secretsmanager.Secret.fromSecretCompleteArn(this, 'SigningKey', props.signingKeySecretArn);
    } else {
      const secret = new secretsmanager.Secret(this, 'SigningKey', {
        description: 'L1 signing key of the prover (hex private key, no 0x): only the Submit function reads it',
        generateSecretString: {
          passwordLength: 64,
          // Leaves exactly the 16 lowercase hex digits.
          excludeCharacters: 'ghijklmnopqrstuvwxyz',
          excludePunctuation: true,
          excludeUppercase: true,
          includeSpace: false,
          requireEachIncludedType: false,
        },
        // Never delete a key that may hold funds or be registered as the prover.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeNag(
        secret,
        'An L1 account key cannot be rotated by Secrets Manager: a new key is a new address that must be funded ' +
          '(and registered) first, so the operator rotates it by hand.',
        ['AwsSolutions-SMG4'],
      );
      this.signingKey = secret;
    }

    const fn = new ProverFunction(this, 'Submit', {
      handlerName: 'submit',
      description: 'Re-checks L1 and submits the root proof of a run, once',
      timeout: Duration.minutes(10), // waits for the receipt
      memorySize: 512,
      environment: { ...props.environment, SIGNING_KEY_SECRET_ARN: this.signingKey.secretArn },
      logRetention: props.logRetention,
    });
    this.function = fn.function;
    const submitRole = this.function.role as iam.IRole;
    this.signingKey.grantRead(this.function);
    if (this.signingKey instanceof secretsmanager.Secret) {
      const { policyDependable } = this.signingKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlySubmitReadsTheKey',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['*'], // in a secret's resource policy, "*" means this secret
          conditions: { StringNotEquals: { 'aws:PrincipalArn': submitRole.roleArn } },
        }),
      );
      // Secrets Manager then refuses a later edit that would open the key up (an Allow to `*`); a Deny is not public.
      const policy = (policyDependable as secretsmanager.ResourcePolicy).node.defaultChild as secretsmanager.CfnResourcePolicy;
      policy.blockPublicPolicy = true;
    } else if (props.signingKeySecretArn) {
      const keys = grantDecryptOfSecret(submitRole, props.signingKeySecretArn);
      acknowledgeNag(fn, "The imported secret's KMS key is not known: kms:Decrypt on the region's keys, only via Secrets Manager for this secret.", [
        `AwsSolutions-IAM5[Resource::${keys}]`,
      ]);
    }
    props.bucket.grantRead(this.function, 'runs/*');
    props.bucket.grantRead(this.function, 'jobs/*');
    props.bucket.grantPut(this.function, 'runs/*');
    acknowledgeNag(
      fn,
      'Submit reads the run record and the root job outputs (runs/<id>/, jobs/<id>/: ids known only at run time) ' +
        'and writes runs/<id>/submission.json.',
      [
        ...S3_GRANT_WILDCARD_ACTIONS,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/runs/*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/jobs/*]`,
      ],
    );
  }
}

/**
 * An imported secret may be encrypted with a customer key, which its ARN does not name: allow kms:Decrypt on any
 * key in the secret's region, but only as Secrets Manager decrypting this very secret (Secrets Manager puts the
 * secret's ARN in the encryption context). The key's own policy must allow IAM policies of the account (the
 * default key policy does) or name the Submit role; the AWS-managed key needs nothing.
 */
function grantDecryptOfSecret(role: iam.IRole, secretArn: string): string {
  const { partition, region } = Arn.split(secretArn, ArnFormat.COLON_RESOURCE_NAME);
  const keys = `arn:${partition}:kms:${region}:*:key/*`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [keys],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secretArn },
      },
    }),
  );
  return keys;
}
