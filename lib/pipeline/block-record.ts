/**
 * The tx source: what Plan needs to know about each block beyond L1's commitment to it — its txs and where
 * their leaf inputs (e.g. a user's client proof) are stored. The devnet sequencer writes one record per block
 * (like Aztec's archiver/p2p layer serving tx data); Plan checks it against the block's L1 proposal before
 * proving anything, so a wrong or stale record fails the run instead of producing an unusable proof.
 */
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { objectKeySchema } from '../proving/job-spec.ts';

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x-hex value');
const inputMap = z.record(z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/), objectKeySchema);

export const blockRecordSchema = z.object({
  profile: z.string().min(1),
  number: z.number().int().nonnegative(),
  /** The block's tx effects commitment, exactly as posted on L1. */
  effectsHash: hex32,
  /** Archive (state commitment) after the block, as posted on L1. */
  archive: hex32,
  /** Archive before the block: the previous block's archive. */
  previousArchive: hex32,
  txs: z.array(z.object({ hash: hex32, kind: z.string().min(1), inputs: inputMap })),
  /** Block-level inputs (e.g. the block's own data file). */
  inputs: inputMap.default({}),
  /** Profile-specific facts about the block (the devnet: previous archive leaf, per-tx start states). */
  data: z.record(z.string(), z.unknown()).default({}),
});
export type BlockRecord = z.infer<typeof blockRecordSchema>;
/** What a tx source writes (defaults filled in on parse). */
export type BlockRecordInput = z.input<typeof blockRecordSchema>;

export function blockRecordKey(profile: string, block: number): string {
  if (!Number.isSafeInteger(block) || block < 0) throw new InputError(`block number must be a non-negative integer, got ${block}`);
  return `blocks/${profile}/${String(block).padStart(10, '0')}.json`;
}

export function txInputKey(txHash: string, name: string): string {
  return `txs/${txHash.toLowerCase()}/${name}`;
}

export async function readBlockRecord(store: ArtifactStore, profile: string, block: number): Promise<BlockRecord> {
  const key = blockRecordKey(profile, block);
  const raw = await store.get(key);
  if (raw === undefined) {
    throw new InputError(`no tx data for ${profile} block ${block} (expected ${key})`, {
      metaMessages: ['The sequencer/tx source writes it when it proposes the block; is the bucket the one it writes to?'],
    });
  }
  const parsed = blockRecordSchema.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
  if (!parsed.success) {
    throw new InputError(`block record ${key} is invalid`, { metaMessages: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  if (parsed.data.number !== block || parsed.data.profile !== profile) {
    throw new InputError(`block record ${key} describes ${parsed.data.profile} block ${parsed.data.number}`);
  }
  return parsed.data;
}

export async function writeBlockRecord(store: ArtifactStore, record: BlockRecordInput): Promise<string> {
  const key = blockRecordKey(record.profile, record.number);
  await store.put(key, Buffer.from(JSON.stringify(blockRecordSchema.parse(record), null, 2)), { contentType: 'application/json' });
  return key;
}
