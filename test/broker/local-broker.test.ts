/**
 * Real Aztec jobs through the local broker, driven by Aztec's own `BrokerCircuitProverFacade` — the class an
 * Aztec prover node proves with — over Aztec's JSON-RPC client: the synthesized per-job state machine on the
 * local engine, the local Batch executor running the real job runner, bb.js 4.1.2, Aztec's 4.1.2 circuits, the
 * job table on dynalite and the proof store on s3rver. The circuit is CHECKPOINT_PADDING_ROLLUP (3,918 gates), so
 * the faults, not the proving, take the time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { ParityBasePrivateInputs } from '@aztec/stdlib/parity';
import { Fr } from '@aztec/foundation/curves/bn254';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aztecJobIdFor } from '../../lib/broker/broker.ts';
import { ABORTED_REASON, PROOF_STORE_PREFIX } from '../../lib/broker/contract.ts';
import { processLauncher, type ContainerLauncher } from '../../lib/local/batch-executor.ts';
import { bundleLocalJobRunner } from '../../lib/local/job-runner-bundle.ts';
import { LOCAL_BROKER_BUCKET, startLocalBroker, type LocalBroker } from '../../lib/local/local-broker.ts';
import type { AztecCrsDir } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { AZTEC_JOB_TYPES } from '../../lib/protocols/aztec/job-types.ts';
import { aztecTestCrs } from '../protocols/fixtures/aztec-crs.ts';
import { loadAztecBrokerPieces, type AztecBrokerPieces, type AztecProofResult } from './aztec-client.ts';
import { verifiesWithKey } from './verify-aztec-proof.ts';

const PADDING = AZTEC_JOB_TYPES.indexOf('CHECKPOINT_PADDING_ROLLUP');
const PARITY_BASE = AZTEC_JOB_TYPES.indexOf('PARITY_BASE');

let crs: AztecCrsDir;
let aztec: AztecBrokerPieces;
let launch: ContainerLauncher;
const open: LocalBroker[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  crs = await aztecTestCrs(2 ** 16 + 1);
  aztec = await loadAztecBrokerPieces();
  const runner = await bundleLocalJobRunner();
  launch = processLauncher(runner.node, runner.bundle);
}, 900_000);
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A local broker over a fresh (or given) state dir; `launcher` wraps how each Batch attempt starts. */
async function broker(options: { stateDir?: string; launcher?: ContainerLauncher } = {}): Promise<LocalBroker & { stateDir: string }> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'local-broker-')));
  if (!options.stateDir) dirs.push(stateDir);
  const local = await startLocalBroker({ stateDir, crsPath: crs.dir, launcher: options.launcher ?? launch, housekeepingMs: 1_000 });
  open.push(local);
  Object.assign(process.env, local.env); // Aztec's S3 file store reads its credentials from the environment
  return Object.assign(local, { stateDir });
}

/** Polls until `check` holds (jobs run in other processes). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const verifies = (result: AztecProofResult) => verifiesWithKey(result, crs, 'noir-rollup-no-zk');

describe("Aztec's facade proves through the local broker", () => {
  it('with the S3 proof store: a verifying proof, one execution, one Batch job, and the proof store holds both sides', async () => {
    const local = await broker();
    const facade = await aztec.createFacade(aztec.createClient(local.url), local.proofStore);
    facade.start();
    try {
      const result = await facade.getCheckpointPaddingRollupProof(new CheckpointPaddingRollupPrivateInputs(), undefined, 1);
      expect(result.proof.proof).toHaveLength(519);
      expect(await verifies(result)).toBe(true);
      expect(local.executions.names()).toHaveLength(1);
      expect(local.executor.jobs).toHaveLength(1);
      const id = aztecJobIdFor(1, 'CHECKPOINT_PADDING_ROLLUP', new CheckpointPaddingRollupPrivateInputs().toBuffer());
      expect(await local.store.exists(`${PROOF_STORE_PREFIX}inputs/CHECKPOINT_PADDING_ROLLUP/${id}`)).toBe(true);
      expect(await local.store.exists(`${PROOF_STORE_PREFIX}outputs/CHECKPOINT_PADDING_ROLLUP/${id}.json`)).toBe(true);
      expect(local.proofStore).toBe(`s3://${LOCAL_BROKER_BUCKET}/proofs?endpoint=${local.proofStore.split('endpoint=')[1]}`);
      // The same job again (a restarted node): answered from the record, nothing proven twice.
      const client = aztec.createClient(local.url);
      const again = await client.enqueueProvingJob({ id, type: PADDING, epochNumber: 1, inputsUri: `s3://${LOCAL_BROKER_BUCKET}/proofs/inputs/CHECKPOINT_PADDING_ROLLUP/${id}` });
      expect(again.status).toBe('fulfilled');
      expect(local.executor.jobs).toHaveLength(1);
    } finally {
      await facade.stop();
    }
  });

  it("with Aztec's default inline store (no PROVER_PROOF_STORE): the result comes back inline and verifies", async () => {
    const local = await broker();
    const facade = await aztec.createFacade(aztec.createClient(local.url), undefined);
    facade.start();
    try {
      const result = await facade.getCheckpointPaddingRollupProof(new CheckpointPaddingRollupPrivateInputs(), undefined, 2);
      expect(await verifies(result)).toBe(true);
    } finally {
      await facade.stop();
    }
  });
});

describe('failures', () => {
  it("rejects inputs the circuit cannot read with the job runner's reason, after one Batch attempt (no retry storm)", async () => {
    const local = await broker();
    const client = aztec.createClient(local.url);
    const inputs = Buffer.from('not a ParityBasePrivateInputs');
    const id = aztecJobIdFor(1, 'PARITY_BASE', inputs);
    const key = `${PROOF_STORE_PREFIX}inputs/PARITY_BASE/${id}`;
    await local.store.put(key, inputs);
    await client.enqueueProvingJob({ id, type: PARITY_BASE, epochNumber: 1, inputsUri: `s3://${LOCAL_BROKER_BUCKET}/${key}` });
    await until('the job to settle', async () => (await client.getCompletedJobs([])).includes(id));
    const status = await client.getProvingJobStatus(id);
    expect(status.status).toBe('rejected');
    expect(status.reason).toMatch(/the inputs are not a serialized ParityBasePrivateInputs \(PARITY_BASE\)/);
    expect(local.executor.jobs).toHaveLength(1);
    expect(local.executor.jobs[0]!.attempts).toHaveLength(1);
  });

  it('retries a job killed mid-proof (as an OOM kill or a lost host would) in a new round, then fulfils it', async () => {
    let attempts = 0;
    // Fault injection: the first container is SIGKILLed 1.5 s after it starts, before it can record anything.
    const killFirst: ContainerLauncher = (command, env, signal) => {
      attempts++;
      if (attempts > 1) return launch(command, env, signal);
      const kill = new AbortController();
      setTimeout(() => kill.abort(), 1_500);
      return launch(command, env, kill.signal);
    };
    const local = await broker({ launcher: killFirst });
    const facade = await aztec.createFacade(aztec.createClient(local.url), local.proofStore);
    facade.start();
    try {
      const result = await facade.getCheckpointPaddingRollupProof(new CheckpointPaddingRollupPrivateInputs(), undefined, 3);
      expect(await verifies(result)).toBe(true);
      expect(local.executor.jobs.map((j) => j.attempts.map((a) => a.statusReason))).toEqual([['Container killed by SIGKILL'], ['Essential container in task exited']]);
      expect(local.executions.names()).toHaveLength(1);
    } finally {
      await facade.stop();
    }
  });

  it("cancel stops the job's execution and its Batch job: rejected 'Aborted', the prover process killed", async () => {
    const local = await broker();
    const client = aztec.createClient(local.url);
    // A 2^22-gate parity job: long enough to be running when cancelled.
    const inputs = new ParityBasePrivateInputs(Array.from({ length: 256 }, (_, i) => new Fr(i)) as never, new Fr(1)).toBuffer();
    const id = aztecJobIdFor(1, 'PARITY_BASE', inputs);
    const key = `${PROOF_STORE_PREFIX}inputs/PARITY_BASE/${id}`;
    await local.store.put(key, inputs);
    await client.enqueueProvingJob({ id, type: PARITY_BASE, epochNumber: 1, inputsUri: `s3://${LOCAL_BROKER_BUCKET}/${key}` });
    await until('the Batch job to run', () => local.executor.jobs.some((j) => j.status === 'RUNNING'));
    await client.cancelProvingJob(id);
    expect(await client.getProvingJobStatus(id)).toEqual({ status: 'rejected', reason: ABORTED_REASON });
    await until('the Batch job to stop', () => local.executor.jobs.every((j) => j.status === 'FAILED'));
    expect(local.executor.jobs[0]!.attempts.at(-1)?.statusReason).toMatch(/^Job terminated: job .* cancelled by the prover node/);
    expect((await local.executions.describe(local.executions.names()[0]!))?.status).toBe('ABORTED');
  });

  it('a broker restarted in the middle of a job still knows it, runs it again and the facade gets the proof', async () => {
    const first = await broker();
    const facade = await aztec.createFacade(aztec.createClient(first.url), first.proofStore);
    facade.start();
    try {
      const proof = facade.getCheckpointPaddingRollupProof(new CheckpointPaddingRollupPrivateInputs(), undefined, 4);
      await until('the Batch job to run', () => first.executor.jobs.some((j) => j.status === 'RUNNING'), 60_000);
      await first.close(); // kills the running job, like a crash
      open.splice(open.indexOf(first), 1);
      const second = await broker({ stateDir: first.stateDir });
      expect(second.url).toBe(first.url); // same port: the node needs no new config
      const result = await proof;
      expect(await verifies(result)).toBe(true);
      expect(second.executor.jobs).toHaveLength(1);
    } finally {
      await facade.stop();
    }
  });
});
