import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeBbBackend, bbBinaryPath, bbGates, bbProve, bbVersion, bbWriteVk, runBb } from '../../lib/proving/bb.ts';
import { loadDevnetCircuit } from '../../lib/protocols/devnet/artifacts.ts';
import { ensureDevnetCrs } from '../../lib/protocols/devnet/crs.ts';
import { fieldsFromBytes, fieldToHex } from '../../lib/protocols/devnet/fields.ts';
import { loadDevnetRules } from '../../lib/protocols/devnet/state.ts';
import { generateDevnetWitness } from '../../lib/protocols/devnet/witness.ts';

let work: string;

/** A stand-in `bb` (shell script) to drive the runner's failure paths that real bb cannot be made to hit cheaply. */
function fakeBb(name: string, script: string): string {
  const path = join(work, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bb-test-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('runBb with the real bb', () => {
  it('reports the version of the binary shipped in @aztec/bb.js', async () => {
    expect(bbBinaryPath()).toMatch(/@aztec\/bb\.js\/build\/amd64-linux\/bb$/);
    expect(await bbVersion()).toMatch(/^5\.0\.0/);
    expect(await new NativeBbBackend().version()).toMatch(/^5\.0\.0/);
  });

  it('counts gates of a compiled circuit', async () => {
    const client = loadDevnetCircuit('client');
    const { outcome, circuitSize } = await bbGates({ bytecodePath: client.programPath, target: client.target });
    expect(outcome.ok).toBe(true);
    expect(circuitSize).toBe(client.gates);
  });

  it('proves a small circuit and measures wall time and peak RSS', async () => {
    // A CRS of 512 points is enough for the client circuit (247 gates → dyadic 512): cheap to generate.
    const crs = await ensureDevnetCrs({ profile: 'devnet', points: 512, cacheRoot: join(work, 'crs') });
    const rules = await loadDevnetRules();
    const client = loadDevnetCircuit('client');
    const { witness } = await generateDevnetWitness(client, {
      note: fieldToHex(rules.noteCommitment(7n, 9n)),
      secret: '7',
      value: '9',
      new_secret: '8',
    });
    writeFileSync(join(work, 'client.gz'), witness);
    const outcome = await bbProve({
      bytecodePath: client.programPath,
      witnessPath: join(work, 'client.gz'),
      vkPath: client.vkPath,
      outputDir: work,
      target: client.target,
      crsPath: crs.dir,
    });
    expect(outcome.ok, outcome.ok ? '' : outcome.reason).toBe(true);
    expect(outcome.durationMs).toBeGreaterThan(0);
    if (outcome.ok) expect(outcome.peakRssKiB).toBeGreaterThan(1024);
    expect(fieldsFromBytes(readFileSync(join(work, 'public_inputs')))[0]).toBe(rules.noteCommitment(7n, 9n));
  });

  it('fails with the exit code and last stderr line when bb rejects its arguments', async () => {
    const outcome = await bbWriteVk({ bytecodePath: join(work, 'missing.json'), outputDir: work, target: 'evm' });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.retry).toBe(false);
    expect(outcome.reason).toMatch(/^bb write_vk exited with code \d+/);
    expect(outcome.stderr.length).toBeGreaterThan(0);
  });
});

describe('runBb failure classification', () => {
  it('treats "Builder failure when we have real witnesses" on exit 0 as a non-retryable failure', async () => {
    const bb = fakeBb('builder-failure', 'echo "(Experimental) WARNING: Builder failure when we have real witnesses! Ignore if writing vk." >&2; exit 0');
    const outcome = await runBb({ args: ['prove'], cwd: work, bbPath: bb });
    expect(outcome).toMatchObject({ ok: false, retry: false });
    if (!outcome.ok) expect(outcome.reason).toContain('does not satisfy the circuit');
  });

  it('does not treat the same line as a failure for write_vk (built from dummy witnesses)', async () => {
    const bb = fakeBb('builder-failure-vk', 'echo "WARNING: Builder failure when we have real witnesses! Ignore if writing vk."; exit 0');
    expect((await runBb({ args: ['write_vk'], cwd: work, bbPath: bb })).ok).toBe(true);
  });

  it('marks a process killed by a signal (OOM killer, reclaim) as retryable', async () => {
    const bb = fakeBb('killed', 'kill -9 $$');
    const outcome = await runBb({ args: ['prove'], cwd: work, bbPath: bb });
    expect(outcome).toMatchObject({ ok: false, retry: true });
    if (!outcome.ok) expect(outcome.reason).toContain('SIGKILL');
  });

  it('kills bb after the timeout and marks it retryable', async () => {
    const bb = fakeBb('slow', 'sleep 30');
    const outcome = await runBb({ args: ['prove'], cwd: work, bbPath: bb, timeoutMs: 300 });
    expect(outcome).toMatchObject({ ok: false, retry: true });
    expect(outcome.durationMs).toBeLessThan(10_000);
    if (!outcome.ok) expect(outcome.reason).toContain('timed out after 300 ms');
  });

  it('fails without retry when the binary does not exist', async () => {
    const outcome = await runBb({ args: ['--version'], cwd: work, bbPath: join(work, 'no-such-bb') });
    expect(outcome).toMatchObject({ ok: false, retry: false });
    if (!outcome.ok) expect(outcome.reason).toContain('bb binary not found');
  });

  it('passes the CRS directory as -c and CRS_PATH to commands that read it', async () => {
    const bb = fakeBb('echo-args', 'echo "args: $*"; echo "env: $CRS_PATH"');
    const outcome = await runBb({ args: ['prove', '-b', 'x'], cwd: work, bbPath: bb, crsPath: '/crs/dir' });
    expect(outcome.ok).toBe(true);
    expect(outcome.stdout).toContain('args: prove -b x -c /crs/dir');
    expect(outcome.stdout).toContain('env: /crs/dir');
    const gates = await runBb({ args: ['gates', '-b', 'x'], cwd: work, bbPath: bb, crsPath: '/crs/dir' });
    expect(gates.stdout).toContain('args: gates -b x\n');
  });

  it('keeps only the tail of a verbose stream', async () => {
    const bb = fakeBb('verbose', 'i=0; while [ $i -lt 3000 ]; do echo "line $i ................................"; i=$((i+1)); done');
    const outcome = await runBb({ args: ['prove'], cwd: work, bbPath: bb });
    expect(outcome.ok).toBe(true);
    expect(outcome.stdout.length).toBeLessThanOrEqual(16 * 1024);
    expect(outcome.stdout).toContain('line 2999');
    expect(outcome.stdout).not.toContain('line 0 ');
  });
});
