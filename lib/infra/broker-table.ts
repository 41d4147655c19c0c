import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ATTR, INDEX } from '../broker/contract.ts';

export interface BrokerTableProps {
  /**
   * Keep the table (and the jobs it knows) when the stack is deleted.
   * @default RemovalPolicy.DESTROY — job records are worth nothing once their epoch is proven
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The broker's job table: one item per Aztec job (key: Aztec's job id), on-demand capacity (nothing is paid
 * while nothing is enqueued), encrypted, point-in-time recovery, a TTL attribute for old records and the three
 * sparse/ordered indexes the broker queries (lib/broker/contract.ts).
 */
export class BrokerTable extends Construct {
  public readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: BrokerTableProps = {}) {
    super(scope, id);
    const S = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.TableV2(this, 'Jobs', {
      partitionKey: { name: ATTR.id, type: S },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: ATTR.expiresAt,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      globalSecondaryIndexes: [
        // Settled jobs the completed feed has not reported yet: ids only.
        {
          indexName: INDEX.completedFeed,
          partitionKey: { name: ATTR.feed, type: S },
          sortKey: { name: ATTR.settledAt, type: S },
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
        // Unsettled jobs (resume, reconcile) and every job by epoch (dropping old epochs): whole records.
        { indexName: INDEX.active, partitionKey: { name: ATTR.active, type: S }, sortKey: { name: ATTR.enqueuedAt, type: S } },
        { indexName: INDEX.byEpoch, partitionKey: { name: ATTR.shard, type: S }, sortKey: { name: ATTR.epoch, type: dynamodb.AttributeType.NUMBER } },
      ],
    });
  }
}
