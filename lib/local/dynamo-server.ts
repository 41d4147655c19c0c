/**
 * The local runtime's DynamoDB: dynalite (a DynamoDB API on LevelDB) on loopback, reached through the real
 * @aws-sdk/client-dynamodb, so the broker's table code is the same as on AWS. With a directory it persists
 * across restarts. Tables are created from the synthesized template's definition, not a hand-written copy.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { ProverError } from '../errors.ts';
import type { CfnTemplate } from './template.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/** dynalite checks nothing about credentials; the SDK still needs some. */
const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export async function startLocalDynamo(options: { directory?: string; port?: number } = {}): Promise<LocalDynamo> {
  const { default: dynalite } = await import('dynalite');
  if (options.directory) await mkdir(options.directory, { recursive: true });
  // createTableMs/deleteTableMs: tables are ACTIVE at once (AWS takes seconds; nothing here waits for it).
  const server = dynalite({ ...(options.directory ? { path: options.directory } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: unknown) => reject(new ProverError(`could not start the local DynamoDB (dynalite) on 127.0.0.1:${options.port ?? 0}`, { cause })));
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_DYNAMO_CREDENTIALS });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Creates the template's table `logicalId` as `tableName` (keys, attributes, indexes) and waits until it is ACTIVE; a no-op if it exists. */
export async function createTableFromTemplate(client: DynamoDBClient, template: CfnTemplate, logicalId: string, tableName: string): Promise<void> {
  const resource = template.Resources[logicalId];
  if (!resource || !['AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table'].includes(resource.Type)) {
    throw new ProverError(`template resource ${logicalId} is not a DynamoDB table`);
  }
  const props = resource.Properties as {
    KeySchema: CreateTableCommandInput['KeySchema'];
    AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
    GlobalSecondaryIndexes?: { IndexName: string; KeySchema: CreateTableCommandInput['KeySchema']; Projection: { ProjectionType: string } }[];
  };
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: props.KeySchema,
        AttributeDefinitions: props.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(props.GlobalSecondaryIndexes
          ? {
              GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map((index) => ({
                IndexName: index.IndexName,
                KeySchema: index.KeySchema,
                Projection: { ProjectionType: index.Projection.ProjectionType as 'ALL' | 'KEYS_ONLY' | 'INCLUDE' },
              })),
            }
          : {}),
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  // Even with createTableMs 0 dynalite turns a table ACTIVE asynchronously; under load a first query could meet
  // ResourceNotFoundException (seen in CI), so wait as one would on AWS.
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
}
