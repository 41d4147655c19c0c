/**
 * Proving devnet jobs in-process with the native bb, and a whole block bottom-up: the reusable fixture for
 * L1 tests (a real root proof + public inputs for the EVM verifier) and for benchmarks.
 *
 * The tree follows Aztec's shape (and lib/protocols/devnet/tree.ts): per tx TUBE → BASE; bases merge up the
 * unbalanced tree (largest power of two left) into a BLOCK_ROOT over one or two children; ROOT over the
 * block root. Jobs run one after another: bb already uses every core.
 */
import { leftSubtreeSize } from '../../proving/planner.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProverError } from '../../errors.ts';
import { loadDevnetCircuit, loadDevnetManifest, type DevnetCircuitName } from './artifacts.ts';
import { devnetCacheRoot } from './cache-dir.ts';
import { proveDevnetClientTx, type DevnetNote } from './client.ts';
import { DEVNET_PROFILE, ensureDevnetCrs } from './crs.ts';
import { BN254_FR_MODULUS, fieldToHex, fieldsFromBytes, type Field } from './fields.ts';
import { buildDevnetCircuitInputs, type DevnetClientTx, type DevnetJobInputs, type DevnetProofOutput } from './inputs.ts';
import { loadDevnetRules, type DevnetChainState } from './state.ts';
import { generateDevnetWitness } from './witness.ts';
import { proveDevnetWitness } from './prove-witness.ts';

export interface DevnetJobMetrics {
  readonly type: DevnetJobInputs['type'];
  readonly circuit: DevnetCircuitName;
  readonly gates: number;
  readonly witnessMs: number;
  readonly proveMs: number;
  readonly peakRssKiB?: number;
}

export interface ProvedDevnetJob {
  readonly output: DevnetProofOutput;
  readonly metrics: DevnetJobMetrics;
}

/**
 * Builds the inputs, generates the witness and proves one job. Throws `WitnessGenerationError` for inputs
 * that do not satisfy the circuit and `ProverError` (with `retryable`) when bb fails.
 */
export async function proveDevnetJob(job: DevnetJobInputs, options: { readonly crsPath: string }): Promise<ProvedDevnetJob> {
  const { circuit, inputs } = await buildDevnetCircuitInputs(job);
  const artifact = loadDevnetCircuit(circuit);
  const { witness, durationMs: witnessMs } = await generateDevnetWitness(artifact, inputs);
  const proved = await proveDevnetWitness(artifact, witness, options.crsPath, `${job.type} (${circuit})`);
  return {
    output: { proof: proved.proof, publicInputs: proved.publicInputs, vk: artifact.vk },
    metrics: {
      type: job.type,
      circuit,
      gates: artifact.gates,
      witnessMs,
      proveMs: proved.proveMs,
      ...(proved.peakRssKiB === undefined ? {} : { peakRssKiB: proved.peakRssKiB }),
    },
  };
}

/**
 * Proves the block's merge tree by the planner's rule (lib/proving/planner.ts: largest power-of-two subtree
 * left). Returns the (one or two) children of the block root.
 */
export async function mergeUp<T>(items: readonly T[], merge: (left: T, right: T) => Promise<T>): Promise<T[]> {
  if (items.length <= 2) return [...items];
  const split = leftSubtreeSize(items.length);
  const collapse = async (range: readonly T[]): Promise<T> => {
    if (range.length === 1) return range[0]!;
    const [l, r] = await mergeUp(range, merge);
    return merge(l!, r!);
  };
  return [await collapse(items.slice(0, split)), await collapse(items.slice(split))];
}

export interface ProveDevnetBlockTreeParameters {
  /** Number of txs in the block (≥ 1). @default 3 */
  readonly txCount?: number;
  /** Chain state before the block. @default genesis (so the block is block 1) */
  readonly previous?: DevnetChainState;
  /** @default 0x...01 */
  readonly proverId?: Field;
  /** Secrets and values of the generated txs derive from it: same seed, same block. @default 'devnet-fixture' */
  readonly seed?: string;
  /** Devnet CRS dir. @default ensureDevnetCrs (generated and cached on first use) */
  readonly crsPath?: string;
  /** Fixture cache root, or false to always prove. @default <devnetCacheRoot()>/fixtures */
  readonly cacheDir?: string | false;
  /** Progress lines (one per proven job). */
  readonly log?: (line: string) => void;
}

export interface DevnetBlockTree {
  readonly blockNumber: bigint;
  /** Chain state after the block (what the sequencer proposes: archive, effects hash = leaf.endState). */
  readonly chain: DevnetChainState;
  readonly previous: DevnetChainState;
  readonly txs: readonly DevnetClientTx[];
  /** Root proof (`-t evm`): bytes for the Solidity verifier's `verify(proof, publicInputs)`. */
  readonly rootProof: Uint8Array;
  /** Root public inputs, in order: previousArchive, endArchive, fromBlock, toBlock, proverId. */
  readonly rootPublicInputs: readonly Field[];
  /** Root circuit used (the verifier must be generated for its vk). */
  readonly rootCircuit: DevnetCircuitName;
  /** The block root's proof: the root's child (for tests that tamper with a child). */
  readonly blockRoot: DevnetProofOutput;
  readonly jobs: readonly DevnetJobMetrics[];
  /** Wall time of the proving run that produced this fixture. */
  readonly totalMs: number;
  /** True when served from the fixture cache. */
  readonly cached: boolean;
}

/**
 * Proves one block bottom-up (client proofs, tube ×N, base ×N, merges, block root, root) and returns the
 * root proof and public inputs. Results are cached under `cacheDir` keyed by the circuits' vks and the
 * parameters, so repeated calls in a session do not prove again.
 */
export async function proveDevnetBlockTree(params: ProveDevnetBlockTreeParameters = {}): Promise<DevnetBlockTree> {
  const txCount = params.txCount ?? 3;
  if (!Number.isInteger(txCount) || txCount < 1) throw new RangeError(`txCount must be a positive integer, got ${txCount}`);
  const rules = await loadDevnetRules();
  const previous = params.previous ?? rules.genesis();
  const proverId = params.proverId ?? 1n;
  const seed = params.seed ?? 'devnet-fixture';
  const log = params.log ?? (() => {});
  const manifest = loadDevnetManifest();
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        v: 1,
        keys: Object.values(manifest.circuits).map((c) => c.keyHash),
        vkSetRoot: manifest.vkSetRoot,
        txCount,
        previous: fieldToHex(previous.archive),
        proverId: fieldToHex(proverId),
        seed,
      }),
    )
    .digest('hex')
    .slice(0, 24);
  const fixtureDir = params.cacheDir === false ? undefined : join(params.cacheDir ?? join(devnetCacheRoot(), 'fixtures'), `devnet-block-${key}`);
  if (fixtureDir !== undefined) {
    const cached = readFixture(fixtureDir, previous);
    if (cached !== undefined) return cached;
  }

  const started = performance.now();
  const crsPath = params.crsPath ?? (await ensureDevnetCrs({ profile: DEVNET_PROFILE, points: manifest.crsPoints })).dir;
  const blockNumber = previous.leaf.blockNumber + 1n;
  const jobs: DevnetJobMetrics[] = [];
  const run = async (job: DevnetJobInputs): Promise<DevnetProofOutput> => {
    const proved = await proveDevnetJob(job, { crsPath });
    jobs.push(proved.metrics);
    log(`${proved.metrics.type} (${proved.metrics.circuit}): witness ${proved.metrics.witnessMs} ms, prove ${proved.metrics.proveMs} ms`);
    return proved.output;
  };

  const txs: DevnetClientTx[] = [];
  for (let i = 0; i < txCount; i++) {
    const note: DevnetNote = { secret: derive(seed, `secret:${i}`), value: BigInt(100 + i) };
    const { tx } = await proveDevnetClientTx({ note, newSecret: derive(seed, `new-secret:${i}`), crsPath });
    txs.push(tx);
  }
  const applied = rules.applyBlock(previous, { number: blockNumber, txs });

  const bases: DevnetProofOutput[] = [];
  for (const [i, tx] of txs.entries()) {
    const tube = await run({ type: 'TUBE', tx });
    bases.push(await run({ type: 'BASE', children: [tube], startState: applied.txStartStates[i]! }));
  }
  const top = await mergeUp(bases, (left, right) => run({ type: 'MERGE', children: [left, right] }));
  const blockRoot = await run({
    type: 'BLOCK_ROOT',
    children: top as [DevnetProofOutput] | [DevnetProofOutput, DevnetProofOutput],
    previousBlock: previous.leaf,
  });
  const root = await run({ type: 'ROOT', children: [blockRoot], proverId });

  const rootPublicInputs = fieldsFromBytes(root.publicInputs, 'root public_inputs');
  const expected = [previous.archive, applied.state.archive, blockNumber, blockNumber, proverId];
  if (rootPublicInputs.length !== expected.length || rootPublicInputs.some((v, i) => v !== expected[i])) {
    throw new ProverError('root public inputs do not match the TypeScript state transition', {
      metaMessages: [`got ${rootPublicInputs.map(fieldToHex).join(', ')}`, `expected ${expected.map(fieldToHex).join(', ')}`],
    });
  }
  const result: DevnetBlockTree = {
    blockNumber,
    chain: applied.state,
    previous,
    txs,
    rootProof: root.proof,
    rootPublicInputs,
    rootCircuit: 'root_single',
    blockRoot,
    jobs,
    totalMs: Math.round(performance.now() - started),
    cached: false,
  };
  if (fixtureDir !== undefined) writeFixture(fixtureDir, result);
  return result;
}

function derive(seed: string, label: string): Field {
  return BigInt('0x' + createHash('sha256').update(`${seed}/${label}`).digest('hex')) % BN254_FR_MODULUS;
}

// ---------------------------------------------------------------------------------------------------------
// Fixture cache: root proof + public inputs + summary. Written to a temp dir and renamed into place.

interface FixtureJson {
  blockNumber: string;
  chain: { previousArchive: string; blockNumber: string; endState: string; archive: string };
  txs: { note: string; nullifier: string; commitment: string }[];
  rootPublicInputs: string[];
  rootCircuit: DevnetCircuitName;
  jobs: DevnetJobMetrics[];
  totalMs: number;
}

function writeFixture(dir: string, tree: DevnetBlockTree): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'root.proof'), tree.rootProof);
  writeFileSync(join(tmp, 'block-root.proof'), tree.blockRoot.proof);
  writeFileSync(join(tmp, 'block-root.public_inputs'), tree.blockRoot.publicInputs);
  writeFileSync(join(tmp, 'block-root.vk'), tree.blockRoot.vk);
  tree.txs.forEach((tx, i) => writeFileSync(join(tmp, `client-${i}.proof`), tx.proof));
  const json: FixtureJson = {
    blockNumber: tree.blockNumber.toString(),
    chain: {
      previousArchive: fieldToHex(tree.chain.leaf.previousArchive),
      blockNumber: tree.chain.leaf.blockNumber.toString(),
      endState: fieldToHex(tree.chain.leaf.endState),
      archive: fieldToHex(tree.chain.archive),
    },
    txs: tree.txs.map((tx) => ({ note: fieldToHex(tx.note), nullifier: fieldToHex(tx.nullifier), commitment: fieldToHex(tx.commitment) })),
    rootPublicInputs: tree.rootPublicInputs.map(fieldToHex),
    rootCircuit: tree.rootCircuit,
    jobs: [...tree.jobs],
    totalMs: tree.totalMs,
  };
  writeFileSync(join(tmp, 'fixture.json'), JSON.stringify(json, null, 2));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

function readFixture(dir: string, previous: DevnetChainState): DevnetBlockTree | undefined {
  if (!existsSync(join(dir, 'fixture.json'))) return undefined;
  try {
    const json = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as FixtureJson;
    return {
      blockNumber: BigInt(json.blockNumber),
      chain: {
        leaf: { previousArchive: BigInt(json.chain.previousArchive), blockNumber: BigInt(json.chain.blockNumber), endState: BigInt(json.chain.endState) },
        archive: BigInt(json.chain.archive),
      },
      previous,
      txs: json.txs.map((tx, i) => ({
        note: BigInt(tx.note),
        nullifier: BigInt(tx.nullifier),
        commitment: BigInt(tx.commitment),
        proof: new Uint8Array(readFileSync(join(dir, `client-${i}.proof`))),
      })),
      rootProof: new Uint8Array(readFileSync(join(dir, 'root.proof'))),
      rootPublicInputs: json.rootPublicInputs.map((v) => BigInt(v)),
      rootCircuit: json.rootCircuit,
      blockRoot: {
        proof: new Uint8Array(readFileSync(join(dir, 'block-root.proof'))),
        publicInputs: new Uint8Array(readFileSync(join(dir, 'block-root.public_inputs'))),
        vk: new Uint8Array(readFileSync(join(dir, 'block-root.vk'))),
      },
      jobs: json.jobs,
      totalMs: json.totalMs,
      cached: true,
    };
  } catch {
    return undefined; // unreadable fixture: prove again (and overwrite it)
  }
}
