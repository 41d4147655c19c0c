/**
 * bb-remote in local mode, end to end with real tools: the `bin/bb-remote` shim, a local S3 server (s3rver),
 * the prover container's job runner as a local process and the real bb, on the devnet's `client` circuit.
 * Every delegated call is compared with the native bb on the same inputs.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, http, toHex, type Abi, type Hex } from 'viem';
import { deployContract, readContract, waitForTransactionReceipt } from 'viem/actions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, anvilAccount, type Anvil } from '../../lib/local/anvil.ts';
import { bbWriteSolidityVerifier } from '../../lib/proving/bb.ts';
import { jobResultSchema, jobSpecSchema } from '../../lib/proving/job-spec.ts';
import { compileContracts } from '../../lib/protocols/devnet/compile-contracts.ts';
import { devnetG2Tau } from '../../lib/protocols/devnet/crs.ts';
import { setVerifierG2 } from '../../lib/protocols/devnet/solidity-verifier.ts';
import { BUCKET, REAL_BB, REPO_ROOT, SHIM, baseEnv, runProcess, startBbRemoteFixture, type BbRemoteFixture, type ProcessResult } from './fixtures.ts';

let f: BbRemoteFixture;

beforeAll(async () => {
  f = await startBbRemoteFixture();
});

afterAll(async () => {
  await f?.stop();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const text = (r: ProcessResult): string => `exit ${r.code}\nstdout:\n${r.stdout.toString()}\nstderr:\n${r.stderr.toString()}`;

const native = (args: readonly string[], cwd: string) => runProcess(REAL_BB, args, { cwd, env: baseEnv() });
const remote = (args: readonly string[], cwd: string, extra: Record<string, string> = {}) => runProcess(SHIM, args, { cwd, env: f.localEnv(extra) });

async function files(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

describe('bb-remote local mode: delegated prove', () => {
  it('writes the same files as bb, byte for byte, for a non-ZK proof with --write_vk; uploads only the inputs', async () => {
    const args = ['prove', '--scheme', 'ultra_honk', '-t', 'noir-recursive-no-zk', '-b', f.programPath, '-w', f.witnessPath, '-o', 'out', '--write_vk', '-c', f.crs.dir];
    const nativeDir = await f.dir('native');
    const nativeRun = await native(args, nativeDir);
    expect(nativeRun.code, text(nativeRun)).toBe(0);
    const again = await f.dir('native-again');
    await native(args, again);
    // bb's non-ZK proofs are deterministic: the claim "byte-identical" below is about bb, not luck.
    expect(await files(join(again, 'out'))).toEqual(await files(join(nativeDir, 'out')));

    const remoteDir = await f.dir('remote');
    const remoteRun = await remote(args, remoteDir);
    expect(remoteRun.code, text(remoteRun)).toBe(0);
    const got = await files(join(remoteDir, 'out'));
    expect(Object.keys(got)).toEqual(['proof', 'public_inputs', 'vk', 'vk_hash']);
    expect(got).toEqual(await files(join(nativeDir, 'out')));
    expect(remoteRun.stderr.toString()).toMatch(/2 of 2 uploaded/);

    // Only the two input files went to S3, under their content hashes: the CRS (-c) never travels.
    const blobs = await f.store.list('blobs/');
    const expected = [await readFile(f.programPath), await readFile(f.witnessPath)].map((b) => `blobs/${sha256(b)}`).sort();
    expect(blobs).toEqual(expected);
    const specKeys = (await f.store.list('jobs/')).filter((k) => k.endsWith('/spec.json'));
    expect(specKeys).toHaveLength(1);
    const spec = jobSpecSchema.parse(JSON.parse(Buffer.from((await f.store.get(specKeys[0]!))!).toString()));
    expect(spec).toMatchObject({
      kind: 'bb',
      args: ['prove', '--scheme', 'ultra_honk', '-t', 'noir-recursive-no-zk', '-b', '{in:bytecode.json}', '-w', '{in:witness.gz}', '-o', '{out}', '--write_vk'],
      outputs: ['proof', 'public_inputs', 'vk', 'vk_hash'],
    });
    expect(JSON.stringify(spec)).not.toContain(f.crs.dir);
  });

  it("fills in bb's default paths (./target/program.json, ./target/witness.gz, ./target/vk, ./out) like bb", async () => {
    const setUp = async (name: string): Promise<string> => {
      const dir = await f.dir(name);
      await mkdir(join(dir, 'target'));
      await copyFile(f.programPath, join(dir, 'target', 'program.json'));
      await copyFile(f.witnessPath, join(dir, 'target', 'witness.gz'));
      // The ZK client vk: bb proves with the vk it is given, so -t noir-recursive-no-zk would mix targets.
      await copyFile(f.vkPath, join(dir, 'target', 'vk'));
      return dir;
    };
    const args = ['prove', '-t', 'noir-recursive', '-c', f.crs.dir];
    const nativeDir = await setUp('native-defaults');
    const remoteDir = await setUp('remote-defaults');
    const [n, r] = [await native(args, nativeDir), await remote(args, remoteDir)];
    expect(n.code, text(n)).toBe(0);
    expect(r.code, text(r)).toBe(0);
    const [nf, rf] = [await files(join(nativeDir, 'out')), await files(join(remoteDir, 'out'))];
    expect(Object.keys(rf)).toEqual(Object.keys(nf));
    expect(Object.keys(rf)).toEqual(['proof', 'public_inputs']);
    // A ZK proof is randomized (two native runs differ too); its public inputs are not.
    expect(rf['public_inputs']).toEqual(nf['public_inputs']);
    expect(rf['proof']!.length).toBe(nf['proof']!.length);
  });

  it('makes ZK EVM proofs that the Solidity verifier accepts exactly like native ones (and rejects when tampered)', async () => {
    const dir = await f.dir('evm');
    // write_vk is passed through to the real bb.
    const vk = await remote(['write_vk', '-b', f.programPath, '-t', 'evm', '-o', 'vk', '-c', f.crs.dir], dir);
    expect(vk.code, text(vk)).toBe(0);
    const proveArgs = (out: string) => ['prove', '-b', f.programPath, '-w', f.witnessPath, '-k', 'vk/vk', '-t', 'evm', '-o', out, '-c', f.crs.dir];
    const n = await native(proveArgs('native'), dir);
    const r = await remote(proveArgs('remote'), dir);
    expect(n.code, text(n)).toBe(0);
    expect(r.code, text(r)).toBe(0);
    const nf = await files(join(dir, 'native'));
    const rf = await files(join(dir, 'remote'));
    expect(Object.keys(rf)).toEqual(Object.keys(nf));

    const verifierPath = join(dir, 'HonkVerifier.sol');
    const generated = await bbWriteSolidityVerifier({ vkPath: join(dir, 'vk', 'vk'), outputPath: verifierPath, target: 'evm', optimized: true });
    expect(generated.ok).toBe(true);
    // The verifier pins the CRS's G2 point: ours is the devnet test CRS (ARCHITECTURE §4).
    const source = setVerifierG2(await readFile(verifierPath, 'utf8'), devnetG2Tau());
    const contract = (await compileContracts({ sources: { 'HonkVerifier.sol': source } }))['HonkVerifier.sol:HonkVerifier']!;
    let anvil: Anvil | undefined;
    try {
      anvil = await startAnvil();
      const account = anvilAccount(0);
      const wallet = createWalletClient({ account, transport: http(anvil.rpcUrl) });
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      const hash = await deployContract(wallet, { abi: contract.abi as Abi, bytecode: contract.bytecode, account, chain: null });
      const address = (await waitForTransactionReceipt(client, { hash })).contractAddress!;
      const verify = async (proof: Buffer, publicInputs: Buffer): Promise<boolean> => {
        const inputs: Hex[] = [];
        for (let i = 0; i < publicInputs.length; i += 32) inputs.push(toHex(publicInputs.subarray(i, i + 32)));
        try {
          return (await readContract(client, { address, abi: contract.abi as Abi, functionName: 'verify', args: [toHex(proof), inputs] })) as boolean;
        } catch {
          return false; // the verifier reverts on most malformed proofs
        }
      };
      expect(await verify(nf['proof']!, nf['public_inputs']!)).toBe(true);
      expect(await verify(rf['proof']!, rf['public_inputs']!)).toBe(true);
      const tampered = Buffer.from(rf['proof']!);
      tampered[tampered.length - 40]! ^= 1;
      expect(await verify(tampered, rf['public_inputs']!)).toBe(false);
    } finally {
      await anvil?.stop();
    }
  });

  it('a repeated call reuses the finished job: nothing uploaded, nothing proven, same files', async () => {
    const args = ['prove', '-t', 'noir-recursive-no-zk', '-b', f.programPath, '-w', f.otherWitnessPath, '-o', 'out', '--write_vk'];
    const first = await f.dir('repeat-1');
    const second = await f.dir('repeat-2');
    const r1 = await remote(args, first);
    expect(r1.code, text(r1)).toBe(0);
    const results = (await f.store.list('jobs/')).filter((k) => k.endsWith('/result.json'));
    const r2 = await remote(args, second);
    expect(r2.code, text(r2)).toBe(0);
    expect(r2.stderr.toString()).toMatch(/0 of 2 uploaded/);
    expect(r2.stderr.toString()).toMatch(/already finished: reusing its outputs/);
    expect((await f.store.list('jobs/')).filter((k) => k.endsWith('/result.json'))).toEqual(results);
    expect(await files(join(second, 'out'))).toEqual(await files(join(first, 'out')));
  });
});

describe('bb-remote local mode: the job runner', () => {
  it('without a prebuilt runner, bundles the container entrypoint for the call and removes it afterwards', async () => {
    const cacheDir = join(REPO_ROOT, '.cache', 'bb-remote');
    const before = await readdir(cacheDir).catch(() => []);
    const dir = await f.dir('own-bundle');
    const env = f.localEnv();
    delete env['BB_REMOTE_LOCAL_RUNNER'];
    // -d (debug logging) makes it a job no other test has run.
    const r = await runProcess(SHIM, ['prove', '-d', '-t', 'noir-recursive-no-zk', '-b', f.programPath, '-w', f.witnessPath, '-o', 'out', '--write_vk'], { cwd: dir, env });
    expect(r.code, text(r)).toBe(0);
    expect(r.stderr.toString()).toContain('running job');
    expect(await readdir(join(dir, 'out'))).toEqual(['proof', 'public_inputs', 'vk', 'vk_hash']);
    expect(await readdir(cacheDir).catch(() => [])).toEqual(before);
  });
});

describe('bb-remote local mode: failures', () => {
  it('a witness that does not satisfy the circuit: bb exits 0 with a useless proof, bb-remote exits 1 with the remote text', async () => {
    const args = ['prove', '-t', 'noir-recursive', '-b', f.programPath, '-w', f.badWitnessPath, '-k', f.vkPath, '-o', 'out', '-c', f.crs.dir];
    const nativeDir = await f.dir('bad-native');
    const n = await native(args, nativeDir);
    // bb's own behaviour (ARCHITECTURE §4): success exit, a complaint in its log, a proof that will not verify.
    expect(n.code).toBe(0);
    expect(`${n.stdout}${n.stderr}`).toContain('Builder failure when we have real witnesses');

    const remoteDir = await f.dir('bad-remote');
    const r = await remote(args, remoteDir);
    expect(r.code, text(r)).toBe(1);
    const stderr = r.stderr.toString();
    expect(stderr).toContain('failed remotely');
    expect(stderr).toContain('Builder failure when we have real witnesses');
    expect(await readdir(remoteDir)).toEqual([]);
    // The runner recorded it where a caller without its logs (AWS) reads it.
    const errors = (await f.store.list('jobs/')).filter((k) => k.endsWith('/error.json'));
    expect(errors.length).toBeGreaterThan(0);
  });

  it("avm_prove on a bb without the AVM fails like bb does, with bb's message", async () => {
    const dir = await f.dir('avm');
    const inputs = join(dir, 'avm_inputs.bin');
    await copyFile(f.witnessPath, inputs);
    const args = ['avm_prove', '--avm-inputs', inputs, '-o', 'out'];
    const n = await native(args, dir);
    expect(n.code).toBe(1);
    const bbMessage = 'AVM is not supported in this build';
    expect(`${n.stdout}${n.stderr}`).toContain(bbMessage);
    const r = await remote(args, dir);
    expect(r.code, text(r)).toBe(1);
    expect(r.stderr.toString()).toContain(bbMessage);
    expect(r.stderr.toString()).toMatch(/avm_prove \(bb 5\.[^)]+\) → job [0-9a-f]{24}/);
  });

  it('a missing input file is left to bb, which fails on it the same way', async () => {
    const dir = await f.dir('missing');
    const args = ['prove', '-b', join(dir, 'nope.json'), '-w', f.witnessPath, '-o', 'out', '--write_vk'];
    const n = await native(args, dir);
    const r = await remote(args, dir);
    expect(n.code).not.toBe(0);
    expect(r.code).toBe(n.code);
    expect(r.stdout.toString()).toBe(n.stdout.toString());
    expect(r.stderr.toString()).toContain(`bb-remote: not delegating prove: no such file ${join(dir, 'nope.json')}`);
  });

  it('refuses to delegate without a bucket, naming the variable', async () => {
    const dir = await f.dir('no-bucket');
    const env = f.localEnv();
    delete env['BB_REMOTE_BUCKET'];
    const r = await runProcess(SHIM, ['prove', '-b', f.programPath, '-w', f.witnessPath, '-o', 'out', '--write_vk'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr.toString()).toContain('BB_REMOTE_BUCKET');
  });
});

describe('bb-remote local mode: the agent stops a call', () => {
  it('SIGTERM stops the job (bb included) and bb-remote dies of SIGTERM, as bb would', async () => {
    const dir = await f.dir('sigterm');
    const pidFile = join(dir, 'bb.pid');
    // A stand-in for the job's bb that never finishes (the runner runs BB_REMOTE_REAL_BB in local mode); it
    // reports the real bb's version, which bb-remote names in the job and the runner checks.
    const slowBb = join(dir, 'slow-bb');
    await writeFile(slowBb, `#!/bin/sh\nif [ "$1" = --version ]; then exec "${REAL_BB}" --version; fi\necho $$ > "${pidFile}"\nexec sleep 120\n`);
    await chmod(slowBb, 0o755);
    const child = spawn(SHIM, ['prove', '-t', 'noir-recursive-no-zk', '-b', f.programPath, '-w', f.witnessPath, '-o', 'out', '--write_vk', '-d'], {
      cwd: dir,
      env: f.localEnv({ BB_REMOTE_REAL_BB: slowBb }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    const bbPid = await waitFor(async () => Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined, 30_000);
    expect(alive(bbPid)).toBe(true);
    child.kill('SIGTERM');
    expect(await closed).toBe('SIGTERM');
    expect(stderr).toContain('failed remotely');
    await waitFor(async () => (alive(bbPid) ? undefined : true), 5_000);
    await expect(readdir(join(dir))).resolves.not.toContain('out');
  });
});

/** Polls `probe` until it returns a value. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bb-remote results in the bucket', () => {
  it('every job bb-remote ran has a result.json whose outputs are in the bucket with the recorded hashes', async () => {
    const results = (await f.store.list('jobs/')).filter((k) => k.endsWith('/result.json'));
    expect(results.length).toBeGreaterThanOrEqual(3);
    for (const key of results) {
      const result = jobResultSchema.parse(JSON.parse(Buffer.from((await f.store.get(key))!).toString()));
      for (const output of Object.values(result.outputs)) expect(sha256((await f.store.get(output.key))!)).toBe(output.sha256);
    }
    expect(f.s3.bucket).toBe(BUCKET);
  });
});
