/**
 * An epoch of Aztec 4.1.2's unmodified ProvingOrchestrator, proven for real through the broker's local mode
 * (`npm run epoch:aztec`: Aztec's TestContext with a native world state → the orchestrator → Aztec's broker facade
 * and JSON-RPC client → our broker → one per-job state-machine execution → one local Batch job → the job runner →
 * bb 4.1.2). One checkpoint with one empty block: parity, block root, checkpoint root, checkpoint padding and the
 * 2^24-row root rollup. Needs the Docker engine and base image (Aztec's world state and bb 4.1.2 need glibc ≥ 2.39)
 * and ~22 GB of memory; ~35 min on 2 cores. Its own tier: `npm run test:epoch`.
 *
 * The root proof is checked by two verifiers outside the prover: bb.js 4.1.2 (in the script) and bb 4.1.2's own
 * Solidity verifier for the root key — what L1 runs — on anvil here, with the test CRS's [τ]₂ (a verifier
 * generated for our INSECURE test CRS, as the devnet does; never for a real network).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex, type Address, type Hex } from 'viem';
import { deployContract, readContract, waitForTransactionReceipt } from 'viem/actions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZTEC_JOB_TYPES } from '../../lib/protocols/aztec/job-types.ts';
import { compileContracts, linkBytecode, requiredLibraries, type CompiledContract, type CompiledContracts } from '../../lib/protocols/devnet/compile-contracts.ts';
import { devnetG2Tau } from '../../lib/protocols/devnet/crs.ts';
import { setVerifierG2 } from '../../lib/protocols/devnet/solidity-verifier.ts';
import { anvilWallet, startAnvil, type Anvil } from '../../lib/local/anvil.ts';

interface EpochSummary {
  verified: boolean;
  tamperedRejected: boolean;
  publicInputs: number;
  proofFields: number;
  checkpointHeaderHashes: number;
  parity: { nonZeroMessages: number; shaRootMatches: boolean }[];
  jobs: { id: string; status: string; type: number }[];
  batchJobs: { name: string; status: string; attempts: number }[];
  executions: number;
  ms: { keys: number; epoch: number; total: number };
}

let work: string;
let summary: EpochSummary;

/** Runs the epoch script; its output streams to this test's log (35 minutes of silence would look like a hang). */
function runEpoch(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/aztec-epoch/run.sh'], { env: { ...process.env, EPOCH_WORK: dir }, stdio: ['ignore', 'inherit', 'pipe'] });
    const tail: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail.push(chunk.toString('utf8'));
      if (tail.length > 40) tail.shift();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run epoch:aztec failed (exit ${code}):\n${tail.join('').split('\n').slice(-25).join('\n')}`))));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'aztec-epoch-test-'));
  await runEpoch(work);
  summary = JSON.parse(readFileSync(join(work, 'summary.json'), 'utf8')) as EpochSummary;
  console.log(`[epoch] ${summary.jobs.length} jobs; keys ${Math.round(summary.ms.keys / 1000)} s, epoch ${Math.round(summary.ms.epoch / 1000)} s, total ${Math.round(summary.ms.total / 1000)} s`);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("an epoch of Aztec 4.1.2's own orchestrator, every job proven by bb 4.1.2 through the broker", () => {
  it('finalizeEpoch returns a root proof that bb.js 4.1.2 verifies, and rejects with one public input changed', () => {
    expect(summary.verified).toBe(true);
    expect(summary.tamperedRejected).toBe(true);
    expect(summary.checkpointHeaderHashes).toBe(1);
  });

  it('every job the orchestrator enqueued was fulfilled, each by one execution and one Batch job, the root among them', () => {
    const types = summary.jobs.map((j) => AZTEC_JOB_TYPES[j.type]);
    expect(types).toEqual(expect.arrayContaining(['PARITY_BASE', 'PARITY_ROOT', 'BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP', 'CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP', 'CHECKPOINT_PADDING_ROLLUP', 'ROOT_ROLLUP']));
    expect(summary.jobs.every((j) => j.status === 'fulfilled')).toBe(true);
    expect(summary.executions).toBe(summary.jobs.length);
    expect(summary.batchJobs).toHaveLength(summary.jobs.length);
    expect(summary.batchJobs.every((j) => j.status === 'SUCCEEDED' && j.attempts === 1)).toBe(true);
  });

  it("base parity's sha root over the checkpoint's messages equals Aztec's TypeScript computeBalancedShaRoot", () => {
    expect(summary.parity.length).toBeGreaterThan(0);
    expect(summary.parity.some((p) => p.nonZeroMessages > 0)).toBe(true);
    expect(summary.parity.every((p) => p.shaRootMatches)).toBe(true);
  });

  describe("on L1: bb 4.1.2's Solidity verifier for the root key, on anvil", () => {
    let anvil: Anvil;
    let verifier: Address;
    let verify: (proof: Hex, publicInputs: Hex[]) => Promise<'accepted' | 'rejected'>;
    const rootFile = (name: string) => readFileSync(join(work, 'root', name));
    const fields = (bytes: Buffer): Hex[] => Array.from({ length: bytes.length / 32 }, (_, i) => toHex(bytes.subarray(i * 32, (i + 1) * 32)));

    beforeAll(async () => {
      const source = setVerifierG2(rootFile('HonkVerifier.sol').toString('utf8'), devnetG2Tau());
      const contracts: CompiledContracts = await compileContracts({ sources: { 'HonkVerifier.sol': source } });
      const main = contracts['HonkVerifier.sol:HonkVerifier']!;
      // The unoptimized verifier (bb-prover's) is over EIP-170's 24 KB; anvil lifts the limit for this check only.
      anvil = await startAnvil({ disableCodeSizeLimit: true });
      const client = anvilWallet(anvil, 0);
      const libraries: Record<string, Address> = {};
      const deploy = async (c: CompiledContract): Promise<Address> => {
        for (const lib of requiredLibraries(c)) libraries[lib] ??= await deploy(contracts[lib]!);
        const hash = await deployContract(client, { abi: c.abi, bytecode: linkBytecode(c, libraries), account: client.account, chain: client.chain } as never);
        return (await waitForTransactionReceipt(client, { hash })).contractAddress!;
      };
      verifier = await deploy(main);
      verify = (proof, publicInputs) =>
        (readContract(client, { address: verifier, abi: main.abi, functionName: 'verify', args: [proof, publicInputs] } as never) as Promise<boolean>).then(
          (ok) => (ok ? 'accepted' : 'rejected'),
          () => 'rejected',
        );
    }, 600_000);

    afterAll(async () => {
      await anvil?.stop();
    });

    it('accepts the root proof with its public inputs', async () => {
      expect(await verify(toHex(rootFile('proof')), fields(rootFile('public_inputs')))).toBe('accepted');
    });

    it('rejects it with one public input changed, and with one proof field changed', async () => {
      const publicInputs = fields(rootFile('public_inputs'));
      const changedInput = [...publicInputs];
      changedInput[0] = toHex(BigInt(changedInput[0]!) ^ 1n, { size: 32 });
      expect(await verify(toHex(rootFile('proof')), changedInput)).toBe('rejected');
      const proof = Buffer.from(rootFile('proof'));
      proof[proof.length - 1]! ^= 1;
      expect(await verify(toHex(proof), publicInputs)).toBe('rejected');
    });
  });
});
