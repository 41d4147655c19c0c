/**
 * The broker's job table on DynamoDB (the stack's BrokerJobs table in the cloud; dynalite, a real DynamoDB API,
 * locally). One item per Aztec job, keyed by Aztec's id, with the attribute names of lib/broker/contract.ts —
 * the per-job state machine updates the same items through its DynamoDB integration.
 *
 * Idempotency is DynamoDB's: a job is created with `attribute_not_exists(id)` and settled only while it is still
 * queued or running, so a duplicate enqueue, a cancel racing the job's end and a retried state-machine step all
 * leave one outcome.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { ACTIVE, ATTR, FEED_PENDING, INDEX, JOB_STATUS, META_ID, SHARD_ALL, type JobRecordStatus } from '../broker/contract.ts';
import type { BrokerJobRecord, BrokerJobTable, SettleOutcome } from '../broker/ports.ts';

export interface DynamoBrokerTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Days a job's record is kept (the table's TTL attribute); older epochs are dropped sooner by the broker.
   * @default 14
   */
  readonly retentionDays?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const UNSETTLED = { ':queued': JOB_STATUS.queued, ':running': JOB_STATUS.running };
const IS_UNSETTLED = `#status IN (:queued, :running)`;

export class DynamoBrokerTable implements BrokerJobTable {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retentionSeconds: number;
  private readonly now: () => number;

  constructor(options: DynamoBrokerTableOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = options.tableName;
    this.retentionSeconds = (options.retentionDays ?? 14) * 86_400;
    this.now = options.now ?? Date.now;
  }

  async create(record: BrokerJobRecord): Promise<{ created: true } | { created: false; existing: BrokerJobRecord }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...toItem(record),
            [ATTR.active]: ACTIVE,
            [ATTR.shard]: SHARD_ALL,
            [ATTR.expiresAt]: Math.floor(this.now() / 1000) + this.retentionSeconds,
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': ATTR.id },
        }),
      );
      return { created: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.get(record.id);
      if (!existing) throw err; // created and deleted in between: let the caller's retry sort it out
      return { created: false, existing };
    }
  }

  async get(id: string): Promise<BrokerJobRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { [ATTR.id]: id }, ConsistentRead: true }));
    return out.Item && out.Item[ATTR.id] !== META_ID ? fromItem(out.Item) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<BrokerJobRecord[]> {
    const records: BrokerJobRecord[] = [];
    const unique = [...new Set(ids)].filter((id) => id !== META_ID);
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map((id) => ({ [ATTR.id]: id }));
      // BatchGet may return some keys unprocessed under load: ask again for those.
      for (let round = 0; keys && keys.length > 0; round++) {
        if (round > 0) await sleep(Math.min(1000, 50 * 2 ** round));
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.table] ?? []) records.push(fromItem(item));
        keys = out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return records;
  }

  async settle(id: string, outcome: SettleOutcome): Promise<boolean> {
    const reason = outcome.status === 'rejected' ? outcome.reason : undefined;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [ATTR.id]: id },
          UpdateExpression: `SET #status = :outcome, #settledAt = :now, #feed = :pending${reason !== undefined ? ', #reason = :reason' : ''} REMOVE #active`,
          ConditionExpression: `attribute_exists(#id) AND ${IS_UNSETTLED}`,
          ExpressionAttributeNames: {
            '#id': ATTR.id,
            '#status': ATTR.status,
            '#settledAt': ATTR.settledAt,
            '#feed': ATTR.feed,
            '#active': ATTR.active,
            ...(reason !== undefined ? { '#reason': ATTR.reason } : {}),
          },
          ExpressionAttributeValues: {
            ...UNSETTLED,
            ':outcome': outcome.status,
            ':now': new Date(this.now()).toISOString(),
            ':pending': FEED_PENDING,
            ...(reason !== undefined ? { ':reason': reason } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async drainCompleted(limit: number): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of paginateQuery(
      { client: this.doc, pageSize: Math.min(limit, 1000) },
      {
        TableName: this.table,
        IndexName: INDEX.completedFeed,
        KeyConditionExpression: '#feed = :pending',
        ExpressionAttributeNames: { '#feed': ATTR.feed, '#id': ATTR.id },
        ExpressionAttributeValues: { ':pending': FEED_PENDING },
        ProjectionExpression: '#id',
      },
    )) {
      for (const item of page.Items ?? []) ids.push(String(item[ATTR.id]));
      if (ids.length >= limit) break;
    }
    const taken = ids.slice(0, limit);
    // Removed before they are returned: a crash in between loses a notification, which the facade's periodic
    // full sync (getCompletedJobs with every id it waits for) recovers; returning one twice is harmless.
    await Promise.all(
      taken.map((id) =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { [ATTR.id]: id },
            UpdateExpression: 'REMOVE #feed',
            ConditionExpression: 'attribute_exists(#id)',
            ExpressionAttributeNames: { '#feed': ATTR.feed, '#id': ATTR.id },
          }),
        ).catch((err: unknown) => {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }),
      ),
    );
    return taken;
  }

  async listActive(): Promise<BrokerJobRecord[]> {
    return this.queryAll({
      IndexName: INDEX.active,
      KeyConditionExpression: '#active = :active',
      ExpressionAttributeNames: { '#active': ATTR.active },
      ExpressionAttributeValues: { ':active': ACTIVE },
    });
  }

  async listEpochsBelow(epoch: number): Promise<BrokerJobRecord[]> {
    return this.queryAll({
      IndexName: INDEX.byEpoch,
      KeyConditionExpression: '#shard = :shard AND #epoch < :epoch',
      ExpressionAttributeNames: { '#shard': ATTR.shard, '#epoch': ATTR.epoch },
      ExpressionAttributeValues: { ':shard': SHARD_ALL, ':epoch': epoch },
    });
  }

  async delete(id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { [ATTR.id]: id } }));
  }

  async epochHeight(): Promise<number> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { [ATTR.id]: META_ID }, ConsistentRead: true }));
    return Number(out.Item?.['epochHeight'] ?? 0);
  }

  async raiseEpochHeight(epoch: number): Promise<number> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [ATTR.id]: META_ID },
          UpdateExpression: 'SET epochHeight = :epoch',
          ConditionExpression: 'attribute_not_exists(epochHeight) OR epochHeight < :epoch',
          ExpressionAttributeValues: { ':epoch': epoch },
        }),
      );
      return epoch;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return this.epochHeight();
      throw err;
    }
  }

  private async queryAll(query: {
    IndexName: string;
    KeyConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<BrokerJobRecord[]> {
    const records: BrokerJobRecord[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.table, ...query })) {
      for (const item of page.Items ?? []) {
        // Index items carry only the keys the index projects: read the whole record.
        records.push(item[ATTR.status] === undefined ? ((await this.get(String(item[ATTR.id]))) as BrokerJobRecord) : fromItem(item));
      }
    }
    return records.filter((r) => r !== undefined);
  }
}

function toItem(record: BrokerJobRecord): Record<string, unknown> {
  return {
    [ATTR.id]: record.id,
    [ATTR.type]: record.type,
    [ATTR.epoch]: record.epoch,
    [ATTR.inputsUri]: record.inputsUri,
    [ATTR.status]: record.status,
    [ATTR.reason]: record.reason,
    [ATTR.resultUri]: record.resultUri,
    [ATTR.inputsKey]: record.inputsKey,
    [ATTR.outputKey]: record.outputKey,
    [ATTR.specId]: record.specId,
    [ATTR.execution]: record.execution,
    [ATTR.enqueuedAt]: record.enqueuedAt,
    [ATTR.settledAt]: record.settledAt,
  };
}

function fromItem(item: Record<string, unknown>): BrokerJobRecord {
  const text = (key: string) => (item[key] === undefined ? undefined : String(item[key]));
  return {
    id: String(item[ATTR.id]),
    type: Number(item[ATTR.type]),
    epoch: Number(item[ATTR.epoch]),
    inputsUri: String(item[ATTR.inputsUri]),
    status: String(item[ATTR.status]) as JobRecordStatus,
    resultUri: String(item[ATTR.resultUri]),
    inputsKey: String(item[ATTR.inputsKey]),
    outputKey: String(item[ATTR.outputKey]),
    specId: String(item[ATTR.specId]),
    execution: String(item[ATTR.execution]),
    enqueuedAt: String(item[ATTR.enqueuedAt]),
    ...(text(ATTR.reason) !== undefined ? { reason: text(ATTR.reason) as string } : {}),
    ...(text(ATTR.settledAt) !== undefined ? { settledAt: text(ATTR.settledAt) as string } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
