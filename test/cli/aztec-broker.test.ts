/**
 * `prover aztec-broker --local` as an operator runs it, with Aztec's own facade as the client, proving Aztec's
 * real checkpoint padding circuit — and surviving `kill -9` of its whole process group in the middle of that
 * job: restarted on the same state dir it still knows the job, proves it again and the facade, which kept
 * polling the same URL, gets the proof; it verifies against the reported key and a changed input does not.
 * (Base parity over non-trivial messages, 2^22 gates, also goes through the broker in the whole-epoch run,
 * scripts/aztec-epoch/prove-epoch.ts: npm run epoch:aztec.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aztecJobIdFor } from '../../lib/broker/broker.ts';
import type { AztecCrsDir } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { loadAztecBrokerPieces } from '../broker/aztec-client.ts';
import { flipFirstPublicInput, verifiesWithKey } from '../broker/verify-aztec-proof.ts';
import { aztecTestCrs } from '../protocols/fixtures/aztec-crs.ts';

const PROVER = join(import.meta.dirname, '..', '..', 'bin', 'prover.mjs');
/** Enough for the padding circuit (2^12 gates). */
const POINTS = 2 ** 16 + 1;

interface ReadyLine {
  readonly url: string;
  readonly proofStore: string;
  readonly env: Record<string, string>;
}

let crs: AztecCrsDir;
let stateDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  crs = await aztecTestCrs(POINTS);
  stateDir = await mkdtemp(join(tmpdir(), 'aztec-broker-cli-'));
}, 900_000);
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** Starts the CLI in its own process group (so the test can kill it with everything it spawned). */
async function startBroker(): Promise<{ child: ChildProcess; ready: ReadyLine }> {
  const child = spawn(process.execPath, [PROVER, 'aztec-broker', '--local', '--json', '--state-dir', stateDir, '--crs', crs.dir], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CRS_PATH: '' },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`aztec-broker exited with ${code} before it was ready:\n${stderr}`)));
  });
  return { child, ready: JSON.parse(line) as ReadyLine };
}

describe('prover aztec-broker --local', () => {
  it("serves Aztec's facade, survives kill -9 of its process group mid-job, and the proof lands and verifies", async () => {
    const first = await startBroker();
    expect(first.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.ready.proofStore).toMatch(/^s3:\/\/aztec-proofs\/proofs\?endpoint=http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(first.ready.env).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect((await fetch(`${first.ready.url}/status`)).status).toBe(200);
    Object.assign(process.env, first.ready.env);

    const aztec = await loadAztecBrokerPieces();
    const client = aztec.createClient(first.ready.url);
    const facade = await aztec.createFacade(client, first.ready.proofStore, 1_000);
    facade.start();
    try {
      const inputs = new CheckpointPaddingRollupPrivateInputs();
      const id = aztecJobIdFor(9, 'CHECKPOINT_PADDING_ROLLUP', inputs.toBuffer());
      const proof = facade.getCheckpointPaddingRollupProof(inputs, undefined, 9);

      // Let the proof get going, then kill the broker and its job processes like a crashed host.
      const deadline = Date.now() + 120_000;
      while ((await client.getProvingJobStatus(id)).status !== 'in-progress') {
        if (Date.now() > deadline) throw new Error('the job never started');
        await new Promise((r) => setTimeout(r, 500));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      process.kill(-first.child.pid!, 'SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      await expect(fetch(`${first.ready.url}/status`)).rejects.toThrow();

      const second = await startBroker();
      expect(second.ready).toEqual(first.ready); // same URL and proof store: the node needs no new config
      expect((await client.getProvingJobStatus(id)).status).toMatch(/^in-(queue|progress)$/);
      const result = await proof;

      expect(result.proof.proof).toHaveLength(519);
      expect(await verifiesWithKey(result, crs, 'noir-rollup-no-zk')).toBe(true);
      expect(await verifiesWithKey(result, crs, 'noir-rollup-no-zk', flipFirstPublicInput)).toBe(false);

      // A clean stop: SIGTERM ends the process with status 0.
      second.child.kill('SIGTERM');
      expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
    } finally {
      await facade.stop();
    }
  }, 600_000);

  it('refuses bad flags with what and why, exit 1, and starts nothing', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [PROVER, 'aztec-broker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    expect(await run(['--local', '--stack', 'X'])).toEqual({ code: 1, stderr: expect.stringMatching(/--stack does not apply to --local/) });
    expect(await run(['--port', '99999', '--local'])).toEqual({ code: 1, stderr: expect.stringMatching(/--port must be an integer between 0 and 65535/) });
    expect(await run(['--local', '--crs', join(stateDir, 'nothing-here')])).toEqual({ code: 1, stderr: expect.stringMatching(/no BN254 CRS in/) });
    expect(await run(['--crs-points', '5'])).toEqual({ code: 1, stderr: expect.stringMatching(/--crs-points applies to --local only/) });
  }, 120_000);
});
