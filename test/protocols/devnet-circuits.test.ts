/**
 * The devnet circuits with real bb proofs on the devnet test CRS. Expensive parts are cached across runs
 * (~/.cache/aztec-aws-prover: the CRS, the proven 3-tx block fixture, compiled Solidity); a cold run proves
 * the whole tree (~3–5 min on 2 cores).
 *
 * Remember: bb proves whatever its builder accepts. A bad *inner* proof is only caught by verifying the
 * *outer* one (pairing points with the known τ, or the EVM verifier at the root), so that is what the
 * tampering tests assert on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, createFileManager } from '@noir-lang/noir_wasm';
import { Noir } from '@noir-lang/noir_js';
import type { Hex } from 'viem';
import { bytesToHex, createWalletClient, http, publicActions } from 'viem';
import { anvil as anvilChain } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anvilAccount, startAnvil, type Anvil } from '../../lib/local/anvil.ts';
import { bbProve, bbWriteVk } from '../../lib/proving/bb.ts';
import { checkProofPairingPoints } from '../../lib/proving/pairing-check.ts';
import {
  devnetCircuitForJob,
  loadDevnetCircuit,
  loadDevnetManifest,
  VK_SET_MEMBERS,
} from '../../lib/protocols/devnet/artifacts.ts';
import { proveDevnetClientTx } from '../../lib/protocols/devnet/client.ts';
import { compileContracts } from '../../lib/protocols/devnet/compile-contracts.ts';
import {
  DEVNET_TAU,
  assertDevnetCrsAllowed,
  devnetG2Tau,
  encodeG2ForBb,
  ensureDevnetCrs,
  generateG1Powers,
  readCrsG2,
  readG1Point,
  BN254_FQ,
  BN254_FR,
} from '../../lib/protocols/devnet/crs.ts';
import { fieldFromHex, fieldsFromBytes, fieldsToBytes, fieldToHex, type Field } from '../../lib/protocols/devnet/fields.ts';
import { buildDevnetCircuitInputs, PROOF_FIELDS, type DevnetClientTx, type DevnetProofOutput } from '../../lib/protocols/devnet/inputs.ts';
import { mergeUp, proveDevnetBlockTree, proveDevnetJob, type DevnetBlockTree } from '../../lib/protocols/devnet/prove-tree.ts';
import { writeDevnetSolidityVerifier } from '../../lib/protocols/devnet/solidity-verifier.ts';
import { loadDevnetRules, type DevnetRules } from '../../lib/protocols/devnet/state.ts';
import { generateDevnetWitness, WitnessGenerationError } from '../../lib/protocols/devnet/witness.ts';
import { bn254 } from '@noble/curves/bn254';

const here = dirname(fileURLToPath(import.meta.url));
const manifest = loadDevnetManifest();
let rules: DevnetRules;
let crsPath: string;
let work: string;

beforeAll(async () => {
  rules = await loadDevnetRules();
  crsPath = (await ensureDevnetCrs({ profile: 'devnet', points: manifest.crsPoints })).dir;
  work = mkdtempSync(join(tmpdir(), 'devnet-circuits-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function flipBit(bytes: Uint8Array, fieldIndex: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[fieldIndex * 32 + 31]! ^= 1;
  return copy;
}

/**
 * Replaces a proof's last commitment (the KZG quotient W, 4 limbs x_lo, x_hi, y_lo, y_hi) by −W: still a
 * well-formed proof whose transcript checks pass in-circuit, but whose opening no longer holds, so only the
 * deferred pairing check can catch it.
 */
function negateKzgQuotient(proof: Uint8Array): Uint8Array {
  const fields = fieldsFromBytes(proof);
  const n = fields.length;
  const y = fields[n - 2]! + (fields[n - 1]! << 136n);
  const negated = BN254_FQ - y;
  fields[n - 2] = negated & ((1n << 136n) - 1n);
  fields[n - 1] = negated >> 136n;
  return fieldsToBytes(fields);
}

describe('devnet test CRS', () => {
  it('is [τ^i]·G1 in bb’s file layout, starting at the generator (1, 2)', async () => {
    // 9,000 points takes the comb path (> 8,192) that the full CRS uses.
    const g1 = await generateG1Powers(DEVNET_TAU, 9000, 1);
    expect(g1.length).toBe(9000 * 64);
    expect(readG1Point(g1, 0)).toEqual({ x: 1n, y: 2n });
    for (const i of [1, 2, 4095, 4096, 8999]) {
      let s = 1n;
      for (let k = 0; k < i; k++) s = (s * DEVNET_TAU) % BN254_FR;
      const expected = bn254.G1.ProjectivePoint.BASE.multiply(s).toAffine();
      expect(readG1Point(g1, i), `point ${i}`).toEqual({ x: expected.x, y: expected.y });
    }
  });

  it('stores [τ]·G2 as x.c0‖x.c1‖y.c0‖y.c1 and it is the cached CRS’s G2', () => {
    const g2 = devnetG2Tau();
    expect(readCrsG2(crsPath)).toEqual(g2);
    const point = bn254.G2.ProjectivePoint.fromAffine({
      x: { c0: g2.x[0], c1: g2.x[1] },
      y: { c0: g2.y[0], c1: g2.y[1] },
    });
    expect(() => point.assertValidity()).not.toThrow();
    expect(point.equals(bn254.G2.ProjectivePoint.BASE.multiply(DEVNET_TAU))).toBe(true);
    expect(encodeG2ForBb(g2).length).toBe(128);
    expect(readFileSync(join(crsPath, 'INSECURE-TEST-CRS.txt'), 'utf8')).toContain('INSECURE');
  });

  it.each(['aztec', 'mainnet', '', 'Devnet'])('refuses profile %j', async (profile) => {
    expect(() => assertDevnetCrsAllowed(profile)).toThrow(/insecure devnet test CRS/);
    await expect(ensureDevnetCrs({ profile, points: 16, cacheRoot: work })).rejects.toThrow(/refusing/);
  });
});

describe('devnet hashing and witnesses', () => {
  it('computes in Noir exactly what the TypeScript rules compute', async () => {
    const { returnValue } = await generateDevnetWitness('client', {
      note: fieldToHex(rules.noteCommitment(5n, 42n)),
      secret: '5',
      value: '42',
      new_secret: '6',
    });
    expect((returnValue as string[]).map((v) => BigInt(v))).toEqual([rules.nullifier(5n), rules.noteCommitment(6n, 42n)]);
  });

  it('fails witness generation for a wrong secret', async () => {
    const attempt = generateDevnetWitness('client', {
      note: fieldToHex(rules.noteCommitment(5n, 42n)),
      secret: '4',
      value: '42',
      new_secret: '6',
    });
    await expect(attempt).rejects.toBeInstanceOf(WitnessGenerationError);
    await expect(attempt).rejects.toThrow(/client.*secret does not open the note/);
  });

  it('pins the vk set root the root circuits check', () => {
    const keys = VK_SET_MEMBERS.map((n) => fieldFromHex(manifest.circuits[n].keyHash));
    expect(fieldToHex(rules.vkSetRoot(keys))).toBe(manifest.vkSetRoot);
    const pinned = readFileSync(join(here, '../../lib/protocols/devnet/circuits/root_single/src/pinned.nr'), 'utf8');
    expect(pinned).toContain(manifest.vkSetRoot);
  });

  it('maps job types and child counts to circuits', () => {
    expect(devnetCircuitForJob('BLOCK_ROOT', 1)).toBe('block_root_single');
    expect(devnetCircuitForJob('BLOCK_ROOT', 2)).toBe('block_root');
    expect(devnetCircuitForJob('ROOT', 1)).toBe('root_single');
    expect(() => devnetCircuitForJob('MERGE', 1)).toThrow(/MERGE takes 2 children, got 1/);
    expect(() => devnetCircuitForJob('PARITY', 0)).toThrow(/unknown devnet job type/);
  });
});

describe('devnet state transition', () => {
  it('chains blocks: each archive opens to the previous archive, the block number and the end state', () => {
    const genesis = rules.genesis();
    const tx = { nullifier: 11n, commitment: 12n };
    const one = rules.applyBlock(genesis, { number: 1n, txs: [tx, { nullifier: 13n, commitment: 14n }] });
    expect(one.txStartStates).toEqual([0n, rules.applyTx(0n, tx)]);
    expect(one.state.leaf).toEqual({ previousArchive: genesis.archive, blockNumber: 1n, endState: rules.applyTx(one.txStartStates[1]!, { nullifier: 13n, commitment: 14n }) });
    expect(one.state.archive).toBe(rules.archiveOf(one.state.leaf));
    expect(() => rules.applyBlock(genesis, { number: 2n, txs: [tx] })).toThrow(/block 2 cannot follow block 0/);
    expect(() => rules.applyBlock(genesis, { number: 1n, txs: [] })).toThrow(/no txs/);
  });

  it.each([
    [1, '[0]'],
    [2, '[0,1]'],
    [3, '[(0 1),2]'],
    [4, '[(0 1),(2 3)]'],
    [5, '[((0 1) (2 3)),4]'],
    [6, '[((0 1) (2 3)),(4 5)]'],
  ])('merges %i txs like Aztec’s unbalanced tree: %s', async (n, shape) => {
    const top = await mergeUp(
      Array.from({ length: n }, (_, i) => String(i)),
      async (l, r) => `(${l} ${r})`,
    );
    expect(`[${top.join(',')}]`).toBe(shape);
  });
});

/** A child output with a real vk and a dummy proof: witness generation does not check proofs. */
function fakeChild(circuit: 'base' | 'merge' | 'block_root', publicInputs: Field[]): DevnetProofOutput {
  return {
    vk: loadDevnetCircuit(circuit).vk,
    proof: new Uint8Array(PROOF_FIELDS * 32),
    publicInputs: fieldsToBytes(publicInputs),
  };
}

describe('rollup rules at witness generation', () => {
  const root = () => fieldFromHex(manifest.vkSetRoot);

  it('merges consecutive tx ranges', async () => {
    const { circuit, inputs } = await buildDevnetCircuitInputs({
      type: 'MERGE',
      children: [fakeChild('base', [root(), 10n, 11n]), fakeChild('merge', [root(), 11n, 12n])],
    });
    const { returnValue } = await generateDevnetWitness(circuit, inputs);
    expect((returnValue as string[]).map((v) => BigInt(v))).toEqual([10n, 12n]);
  });

  it('fails witness generation when merged ranges break state continuity', async () => {
    const { circuit, inputs } = await buildDevnetCircuitInputs({
      type: 'MERGE',
      children: [fakeChild('base', [root(), 10n, 11n]), fakeChild('base', [root(), 99n, 12n])],
    });
    await expect(generateDevnetWitness(circuit, inputs)).rejects.toThrow(/merge.*state continuity broken between merged ranges/);
  });

  it('fails witness generation when a block does not start from the previous block’s state', async () => {
    const previousBlock = { previousArchive: 0n, blockNumber: 0n, endState: 0n };
    const { circuit, inputs } = await buildDevnetCircuitInputs({
      type: 'BLOCK_ROOT',
      children: [fakeChild('base', [root(), 5n, 6n])],
      previousBlock,
    });
    await expect(generateDevnetWitness(circuit, inputs)).rejects.toThrow(/does not start from the previous block's state/);
  });

  it('fails witness generation for non-consecutive block ranges', async () => {
    const [a, b, c] = [1n, 2n, 3n];
    const { circuit, inputs } = await buildDevnetCircuitInputs({
      type: 'BLOCK_MERGE',
      children: [fakeChild('block_root', [root(), a, b, 4n, 4n]), fakeChild('block_root', [root(), b, c, 6n, 6n])],
    });
    await expect(generateDevnetWitness(circuit, inputs)).rejects.toThrow(/block numbers are not consecutive/);
  });

  it('rejects a child of the wrong circuit before proving', async () => {
    const tubeAsChild = { ...fakeChild('base', [root(), 1n, 2n]), vk: loadDevnetCircuit('tube').vk };
    await expect(buildDevnetCircuitInputs({ type: 'MERGE', children: [tubeAsChild, tubeAsChild] })).rejects.toThrow(
      /MERGE: left child has the vk of 'tube'; expected a proof of base or merge/,
    );
  });
});

describe('tube (real proofs)', () => {
  let tx: DevnetClientTx;

  beforeAll(async () => {
    ({ tx } = await proveDevnetClientTx({ note: { secret: 1234n, value: 50n }, newSecret: 5678n, crsPath }));
  });

  it('proves a valid client proof and its pairing points check out with τ', async () => {
    const { output, metrics } = await proveDevnetJob({ type: 'TUBE', tx }, { crsPath });
    expect(fieldsFromBytes(output.publicInputs)).toEqual([tx.nullifier, tx.commitment]);
    expect(checkProofPairingPoints(fieldsFromBytes(output.proof), DEVNET_TAU)).toEqual({ ok: true, trivial: false });
    expect(metrics.gates).toBeGreaterThan(600_000);
  });

  it('proves a client proof with a forged opening anyway, but the outer pairing check fails', async () => {
    const tampered: DevnetClientTx = { ...tx, proof: negateKzgQuotient(tx.proof) };
    const { output } = await proveDevnetJob({ type: 'TUBE', tx: tampered }, { crsPath });
    expect(checkProofPairingPoints(fieldsFromBytes(output.proof), DEVNET_TAU)).toEqual({
      ok: false,
      reason: 'pairing check failed: P0 + τ·P1 ≠ O',
    });
  });

  it('refuses a valid proof of another circuit even with that circuit’s own vk (pinned key hash)', async () => {
    const fm = createFileManager(join(here, 'fixtures', 'foreign_client'));
    const { program } = await compile(fm, undefined, () => {}, () => {});
    const programPath = join(work, 'foreign.json');
    writeFileSync(programPath, JSON.stringify(program));
    const { witness } = await new Noir(program).execute({ note: '1', secret: '2', value: '3', new_secret: '4' });
    writeFileSync(join(work, 'foreign.gz'), witness);
    const vk = await bbWriteVk({ bytecodePath: programPath, outputDir: work, target: 'noir-recursive', crsPath });
    expect(vk.ok).toBe(true);
    const proved = await bbProve({
      bytecodePath: programPath,
      witnessPath: join(work, 'foreign.gz'),
      vkPath: join(work, 'vk'),
      outputDir: work,
      target: 'noir-recursive',
      crsPath,
    });
    expect(proved.ok).toBe(true);

    const foreignVk = fieldsFromBytes(readFileSync(join(work, 'vk')));
    const [note, nullifier, commitment] = fieldsFromBytes(readFileSync(join(work, 'public_inputs'))) as [Field, Field, Field];
    const tube = loadDevnetCircuit('tube');
    // Witness generation cannot see it (proofs are not checked by the ACVM) …
    const { witness: tubeWitness } = await generateDevnetWitness(tube, {
      client_vk: foreignVk.map(fieldToHex),
      client_proof: fieldsFromBytes(readFileSync(join(work, 'proof'))).map(fieldToHex),
      note: fieldToHex(note),
      nullifier: fieldToHex(nullifier),
      commitment: fieldToHex(commitment),
    });
    writeFileSync(join(work, 'tube.gz'), tubeWitness);
    // … but bb constrains the pinned key hash to be the hash of the given vk: an unsatisfiable circuit.
    const outcome = await bbProve({
      bytecodePath: tube.programPath,
      witnessPath: join(work, 'tube.gz'),
      vkPath: tube.vkPath,
      outputDir: join(work),
      target: tube.target,
      crsPath,
    });
    expect(outcome).toMatchObject({ ok: false, retry: false });
    if (!outcome.ok) expect(outcome.reason).toContain('does not satisfy the circuit');
  });
});

describe('3-tx block, bottom-up to an L1-verifiable root', () => {
  let tree: DevnetBlockTree;
  let anvil: Anvil;
  let verify: (proof: Uint8Array, publicInputs: readonly Field[]) => Promise<boolean>;

  beforeAll(async () => {
    // Defaults (3 txs, prover id 1, seed 'devnet-fixture'): the same cached fixture the L1 tests can use.
    tree = await proveDevnetBlockTree({ crsPath });
    const { source } = await writeDevnetSolidityVerifier(join(work, 'sol'));
    const contracts = await compileContracts({ sources: { 'HonkVerifier.sol': source } });
    const verifier = contracts['HonkVerifier.sol:HonkVerifier'];
    if (verifier === undefined) throw new Error('HonkVerifier not compiled');
    anvil = await startAnvil({ disableCodeSizeLimit: verifier.deployedSize > 24_576 });
    const wallet = createWalletClient({
      account: anvilAccount(0),
      chain: { ...anvilChain, id: anvil.chainId },
      transport: http(anvil.rpcUrl),
      pollingInterval: 50,
    }).extend(publicActions);
    const hash = await wallet.deployContract({ abi: verifier.abi, bytecode: verifier.bytecode, args: [] });
    const { contractAddress } = await wallet.waitForTransactionReceipt({ hash });
    verify = async (proof, publicInputs) => {
      try {
        return (await wallet.readContract({
          address: contractAddress!,
          abi: verifier.abi,
          functionName: 'verify',
          args: [bytesToHex(proof), publicInputs.map((f) => fieldToHex(f) as Hex)],
        })) as boolean;
      } catch {
        return false; // the generated verifier reverts (SumcheckFailed, …) on most bad proofs
      }
    };
  }, 1_500_000);

  afterAll(async () => {
    await anvil?.stop();
  });

  it('exposes the previous and new archive, the block range and the prover id', () => {
    const applied = rules.applyBlock(rules.genesis(), { number: 1n, txs: tree.txs });
    expect(tree.rootPublicInputs).toEqual([rules.genesis().archive, applied.state.archive, 1n, 1n, 1n]);
    expect(tree.chain).toEqual(applied.state);
    expect(tree.jobs.map((j) => j.circuit)).toEqual(['tube', 'base', 'tube', 'base', 'tube', 'base', 'merge', 'block_root', 'root_single']);
  });

  it('verifies on the EVM with the verifier generated for the devnet CRS', async () => {
    expect(checkProofPairingPoints(fieldsFromBytes(tree.rootProof), DEVNET_TAU)).toEqual({ ok: true, trivial: false });
    expect(await verify(tree.rootProof, tree.rootPublicInputs)).toBe(true);
  });

  it('is rejected on the EVM with a wrong public input', async () => {
    const wrong = [...tree.rootPublicInputs];
    wrong[4] = 2n; // another prover id
    expect(await verify(tree.rootProof, wrong)).toBe(false);
  });

  it('a child proof with a forged opening still proves at the root, but fails the pairing check and the EVM', async () => {
    const blockRoot: DevnetProofOutput = { ...tree.blockRoot, proof: negateKzgQuotient(tree.blockRoot.proof) };
    const { output } = await proveDevnetJob({ type: 'ROOT', children: [blockRoot], proverId: 1n }, { crsPath });
    const publicInputs = fieldsFromBytes(output.publicInputs);
    expect(publicInputs).toEqual(tree.rootPublicInputs);
    expect(checkProofPairingPoints(fieldsFromBytes(output.proof), DEVNET_TAU).ok).toBe(false);
    expect(await verify(output.proof, publicInputs)).toBe(false);
  });

  it('a child proof with a corrupted sumcheck value leaves the root unsatisfiable: bb’s builder failure is a failure', async () => {
    // Field 40 is a sumcheck value: the in-circuit verifier's own check fails, so no valid root proof exists.
    const blockRoot: DevnetProofOutput = { ...tree.blockRoot, proof: flipBit(tree.blockRoot.proof, 40) };
    const attempt = proveDevnetJob({ type: 'ROOT', children: [blockRoot], proverId: 1n }, { crsPath });
    await expect(attempt).rejects.toThrow(/ROOT \(root_single\) proof failed: .*does not satisfy the circuit/);
  });
});
