/**
 * An epoch of Aztec's own ProvingOrchestrator, proven for real through the local broker. Runs where Aztec's
 * native world state and bb 4.1.2 run (the Debian 13 base image: `npm run epoch:aztec` starts it there):
 *
 *   TestContext (@aztec/prover-client's own fixture: a real native world state, real checkpoint data)
 *     → ProvingOrchestrator (unmodified) → BrokerCircuitProverFacade → Aztec's JSON-RPC client
 *     → our broker (--local: per-job state machine, dynalite, s3rver) → job runner → bb 4.1.2 native
 *   finalizeEpoch → the root rollup proof, verified here against the root circuit's key.
 *
 * With the INSECURE test CRS (Aztec's ceremony points are not reachable here) the keys differ from Aztec's, so
 * Aztec's vk tree is rebuilt for that CRS first (test-crs-vk-tree.ts, a named test double). Writes a JSON summary
 * to $EPOCH_OUT. Env: CRS_DIR, STATE_DIR, EPOCH_OUT, CHECKPOINTS (1), BLOCKS_PER_CHECKPOINT (1), MESSAGES (4).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PAIRING_POINTS_SIZE } from '@aztec/constants';
import { jsonParseWithSchema } from '@aztec/foundation/json-rpc';
import { Fr } from '@aztec/foundation/curves/bn254';
import { computeBalancedShaRoot } from '@aztec/foundation/trees';
import { ProvingJobResult } from '@aztec/stdlib/interfaces/server';
import { ParityBasePrivateInputs } from '@aztec/stdlib/parity';
import { EpochNumber } from '@aztec/foundation/branded-types';
import { EthAddress } from '@aztec/foundation/eth-address';
import { createLogger } from '@aztec/foundation/log';
import { ProvingOrchestrator } from '@aztec/prover-client/orchestrator';
import { startLocalBroker } from '../../lib/local/local-broker.ts';
import { AZTEC_JOB_TYPES, type AztecJobType } from '../../lib/protocols/aztec/job-types.ts';
import { bundledAztecBbPath, loadBn254Crs, openAztecBarretenberg } from '../../lib/protocols/aztec/prover/barretenberg.ts';
import { runBb } from '../../lib/proving/bb.ts';
import { ensureAztecGrumpkinCrs } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { loadDevnetCircuit } from '../../lib/protocols/devnet/artifacts.ts';
import { AZTEC_PROOF_SETTINGS } from '../../lib/protocols/aztec/prover/verification-keys.ts';
import { loadAztecBrokerPieces } from '../../test/broker/aztec-client.ts';
import { installTestCrsVkTree, testCrsKeys } from './test-crs-vk-tree.ts';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const checkpoints = Number(env('CHECKPOINTS', '1'));
const blocksPerCheckpoint = Number(env('BLOCKS_PER_CHECKPOINT', '1'));
const messages = Number(env('MESSAGES', '4'));
// Aztec's Grumpkin points: bb 4.1.2 (which runs here) derives them next to the test CRS if they are not there yet.
const crs = await ensureAztecGrumpkinCrs(env('CRS_DIR'), Buffer.from(loadDevnetCircuit('client').program.bytecode, 'base64'));
if (!crs.aztecPoints) throw new Error('bb 4.1.2 does not run here: the epoch needs it (glibc >= 2.39)');
// bb's low-memory mode (file-backed polynomials) when LOW_MEMORY=1: every bb started from here inherits it.
const lowMemory = env('LOW_MEMORY', '0') === '1';
if (lowMemory) process.env['BB_SLOW_LOW_MEMORY'] = '1';
const log = (message: string, fields?: Record<string, unknown>) => process.stderr.write(`[epoch] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);

// The circuits whose proofs other circuits of this epoch shape verify (Aztec's tree rules: lib/protocols/aztec/
// tree.ts): their keys must be in the tree. Nothing verifies the root in a circuit; its key comes with its result.
const types: AztecJobType[] = ['PARITY_BASE', 'PARITY_ROOT', 'BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP'];
if (blocksPerCheckpoint === 1) types.push('CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP');
else types.push('CHECKPOINT_ROOT_ROLLUP', 'BLOCK_ROOT_ROLLUP', 'BLOCK_MERGE_ROLLUP');
if (checkpoints === 1) types.push('CHECKPOINT_PADDING_ROLLUP');
else types.push('CHECKPOINT_MERGE_ROLLUP');

const started = performance.now();
const keys = await testCrsKeys(types, crs);
const roots = await installTestCrsVkTree(keys);
log('test-CRS vk tree installed', { ...roots, ms: keys.ms });

const local = await startLocalBroker({ stateDir: env('STATE_DIR'), crsPath: crs.dir, jobEnv: { AZTEC_BB_BACKEND: 'native', ...(lowMemory ? { BB_SLOW_LOW_MEMORY: '1' } : {}) }, log });
Object.assign(process.env, local.env);
const aztec = await loadAztecBrokerPieces();
// Instrumentation around Aztec's client (not Aztec's code): when the facade first saw each job settled.
const client = aztec.createClient(local.url);
const seenAt = new Map<string, number>();
const watched: typeof client = {
  ...client,
  enqueueProvingJob: (job) => client.enqueueProvingJob(job),
  getCompletedJobs: (ids) => client.getCompletedJobs(ids),
  cancelProvingJob: (id) => client.cancelProvingJob(id),
  getProvingJob: (filter) => client.getProvingJob(filter),
  getProvingJobStatus: async (id) => {
    const status = await client.getProvingJobStatus(id);
    if ((status.status === 'fulfilled' || status.status === 'rejected') && !seenAt.has(id)) seenAt.set(id, Date.now());
    return status;
  },
};
const facade = await aztec.createFacade(watched, local.proofStore, 1_000);
facade.start();

// Aztec's own test fixture for world state and checkpoint data; its orchestrator is replaced by one on our broker.
const proverClientDest = dirname(dirname(fileURLToPath(import.meta.resolve('@aztec/prover-client/broker/config'))));
const { TestContext } = (await import(pathToFileURL(join(proverClientDest, 'mocks', 'test_context.js')).href)) as {
  TestContext: { new: (logger: unknown) => Promise<AztecTestContext> };
};
interface AztecTestContext {
  worldState: never;
  makeCheckpoint(blocks: number, opts: { numTxsPerBlock: number; numL1ToL2Messages: number }): Promise<{
    constants: never;
    blocks: { header: { globalVariables: { blockNumber: never; timestamp: never } }; txs: unknown[] }[];
    l1ToL2Messages: never;
    previousBlockHeader: never;
  }>;
  getFinalBlobChallenges(): Promise<never>;
  cleanup(): Promise<void>;
}
const context = await TestContext.new(createLogger('aztec-aws-prover:epoch'));
const orchestrator = new ProvingOrchestrator(context.worldState, facade as never, EthAddress.ZERO, false, 10);

const made = [];
for (let i = 0; i < checkpoints; i++) made.push(await context.makeCheckpoint(blocksPerCheckpoint, { numTxsPerBlock: 0, numL1ToL2Messages: messages }));
const epochStarted = performance.now();
orchestrator.startNewEpoch(EpochNumber(1), checkpoints, await context.getFinalBlobChallenges());
for (const [index, checkpoint] of made.entries()) {
  await orchestrator.startNewCheckpoint(index, checkpoint.constants, checkpoint.l1ToL2Messages, checkpoint.blocks.length, checkpoint.previousBlockHeader);
  for (const block of checkpoint.blocks) {
    const { blockNumber, timestamp } = block.header.globalVariables;
    await orchestrator.startNewBlock(blockNumber, timestamp, 0);
    await orchestrator.setBlockCompleted(blockNumber, block.header as never);
  }
}
const epoch = await orchestrator.finalizeEpoch();
const epochMs = Math.round(performance.now() - epochStarted);
log('epoch proven', { epochMs });

// The root proof: public inputs ‖ proof fields; the count includes the pairing points (bb-prover's root repacking).
const buffer = epoch.proof.buffer;
const own = epoch.proof.numPublicInputs - PAIRING_POINTS_SIZE;
const fields = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => new Uint8Array(buffer.subarray((from + i) * 32, (from + i + 1) * 32)));
const publicInputs = fields(0, own);
const proofFields = fields(own, buffer.length / 32);
const records = await local.table.listEpochsBelow(Number.MAX_SAFE_INTEGER);
// The root job's result in the proof store, as Aztec's schema reads it: the key the prover computed for the root.
const rootRecord = records.find((r) => r.type === AZTEC_JOB_TYPES.indexOf('ROOT_ROLLUP'));
if (rootRecord === undefined) throw new Error('no ROOT_ROLLUP job was enqueued');
const rootResult = jsonParseWithSchema(Buffer.from((await local.store.get(rootRecord.outputKey))!).toString('utf8'), ProvingJobResult);
const rootKey = (rootResult.result as { verificationKey: { keyAsBytes: Buffer } }).verificationKey.keyAsBytes;
// The root proof checked outside the prover with bb.js 4.1.2 (bb's CLI verifier pairs with the ceremony's G2
// built into bb, so it cannot check proofs made on a test CRS; bb.js pairs with the CRS directory's own).
const bb = await openAztecBarretenberg({ backend: 'native' });
let verified: boolean;
let tamperedRejected: boolean;
try {
  // Verifying needs the CRS's first point and its G2 point, not the circuit.
  await loadBn254Crs(bb.api, crs, 2 ** 16 + 1);
  const verify = (pis: Uint8Array[]) =>
    bb.api.circuitVerify({ verificationKey: rootKey, publicInputs: pis, proof: proofFields, settings: AZTEC_PROOF_SETTINGS['evm-no-zk'] }).then(
      (r) => r.verified,
      () => false,
    );
  verified = await verify(publicInputs);
  const tampered = publicInputs.map((f) => new Uint8Array(f));
  tampered[0]!.set([tampered[0]!.at(-1)! ^ 1], 31);
  tamperedRejected = !(await verify(tampered));
} finally {
  await bb.close();
}
// For a second, independent verifier: the root's proof, public inputs and key as bb writes them, and bb 4.1.2's
// Solidity verifier for that key (what L1 runs), generated here because bb 4.1.2 needs this image's glibc.
const rootDir = join(dirname(env('EPOCH_OUT')), 'root');
await mkdir(rootDir, { recursive: true });
const concat = (list: Uint8Array[]) => Buffer.concat(list.map((f) => Buffer.from(f)));
await writeFile(join(rootDir, 'proof'), concat(proofFields));
await writeFile(join(rootDir, 'public_inputs'), concat(publicInputs));
await writeFile(join(rootDir, 'vk'), rootKey);
const solidity = await runBb({ args: ['write_solidity_verifier', '-t', 'evm-no-zk', '-k', join(rootDir, 'vk'), '-o', join(rootDir, 'HonkVerifier.sol')], cwd: rootDir, bbPath: bundledAztecBbPath() ?? 'bb' });
if (!solidity.ok) throw new Error(`bb write_solidity_verifier failed: ${solidity.reason}`);

// Per job: enqueued (record) → Batch job started → stopped → the facade saw it; bb's own time from result.json.
const timeline = await Promise.all(
  records.map(async (r) => {
    const batch = local.executor.jobs.filter((j) => j.env['JOB_ID'] === r.specId);
    const result = await local.store.get(`jobs/${r.specId}/result.json`);
    const metrics = result ? (JSON.parse(Buffer.from(result).toString('utf8')) as { metrics: { proveMs: number; wallMs: number } }).metrics : undefined;
    return {
      type: AZTEC_JOB_TYPES[r.type],
      enqueuedAt: Date.parse(r.enqueuedAt),
      batchSubmittedAt: batch[0]?.submittedAt,
      batchStartedAt: batch[0]?.attempts[0]?.startedAt,
      batchStoppedAt: batch.at(-1)?.attempts.at(-1)?.stoppedAt,
      facadeSawAt: seenAt.get(r.id),
      proveMs: metrics?.proveMs,
      runnerWallMs: metrics?.wallMs,
    };
  }),
);
// Base parity over the checkpoint's L1→L2 messages: its sha root against Aztec's own TypeScript implementation of
// the function (computeBalancedShaRoot, not the circuit), for every PARITY_BASE job the orchestrator enqueued.
const parity = await Promise.all(
  records
    .filter((r) => r.type === AZTEC_JOB_TYPES.indexOf('PARITY_BASE'))
    .map(async (r) => {
      const inputs = ParityBasePrivateInputs.fromBuffer(Buffer.from((await local.store.get(r.inputsKey))!));
      const result = jsonParseWithSchema(Buffer.from((await local.store.get(r.outputKey))!).toString('utf8'), ProvingJobResult);
      const { shaRoot } = (result.result as { inputs: { shaRoot: Fr } }).inputs;
      const messages = inputs.msgs.map((m) => m.toBuffer());
      return { nonZeroMessages: inputs.msgs.filter((m) => !m.isZero()).length, shaRootMatches: shaRoot.equals(new Fr(computeBalancedShaRoot(messages))) };
    }),
);
const summary = {
  parity,
  timeline,
  epochStartedAt: Math.round(performance.timeOrigin + epochStarted),
  verified,
  tamperedRejected,
  publicInputs: publicInputs.length,
  proofFields: proofFields.length,
  checkpointHeaderHashes: (epoch.publicInputs as unknown as { checkpointHeaderHashes: { isZero(): boolean }[] }).checkpointHeaderHashes.filter((h) => !h.isZero()).length,
  vkTree: roots,
  jobs: records.map((r) => ({ id: r.id, status: r.status, type: r.type })),
  batchJobs: local.executor.jobs.map((j) => ({
    name: j.jobName,
    status: j.status,
    attempts: j.attempts.length,
    wallMs: j.attempts.reduce((sum, a) => sum + (a.stoppedAt - a.startedAt), 0),
    queueMs: (j.attempts[0]?.startedAt ?? j.submittedAt) - j.submittedAt,
    output: j.attempts.at(-1)?.output,
  })),
  executions: local.executions.names().length,
  ms: { keys: keys.ms, epoch: epochMs, total: Math.round(performance.now() - started) },
};
await writeFile(env('EPOCH_OUT'), JSON.stringify(summary, null, 2));
log('summary written', { verified, tamperedRejected, jobs: records.length });
await facade.stop();
await context.cleanup();
await local.close();
process.exit(0);
