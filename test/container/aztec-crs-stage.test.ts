/**
 * The Dockerfile's `aztec` CRS stage, run by a real Docker engine against a local stand-in for Aztec's CRS
 * hosts (CI has no internet; real deploys hit Aztec's CDN with the same code). Builds only the `crs` target,
 * which needs nothing from the build context but the Dockerfile. The stage installs curl with apt, so the
 * build needs the Debian mirror apt uses (the one registry CI can reach).
 *
 * The stand-in serves a file bigger than requested, so the test sees that the stage asks for exactly
 * CRS_POINTS × 64 bytes, falls back to the next host, checks the sha256 pin and rejects what bb could not use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../containers/prover/stage-context.ts';
import { BASE_IMAGE_TAG, docker, dockerOk, requireDockerEngine, requireLocalImage, tailLines, type DockerEngine, type DockerResult } from './docker-engine.ts';

const TAG = 'aztec-aws-prover/crs-stage:container-test';
const CRS_POINTS = 1000;
/** Nothing listens on port 1: the first host fails at once and the stage must move on. */
const DEAD_HOST = 'http://127.0.0.1:1';

const GENERATOR = Buffer.from(`${'0'.repeat(63)}1${'0'.repeat(63)}2`, 'hex');
/** A "ceremony file" longer than the request; only its first point matters to the stage's checks. */
const G1_FILE = Buffer.concat([GENERATOR, randomBytes((CRS_POINTS + 99) * 64)]);
const G2_FILE = randomBytes(128);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const EXPECTED_G1 = G1_FILE.subarray(0, CRS_POINTS * 64);

let engine: DockerEngine;
let contextDir: string;
let server: Server;
let host: string;
/** Part of every URL: a new value per run keeps BuildKit from reusing an earlier run's download layer. */
const NONCE = randomBytes(6).toString('hex');
const requests: { path: string; range: string | undefined }[] = [];

/**
 * Serves g1.dat and g2.dat with Range support, like Aztec's hosts, under /<variant>/<nonce>/: ok (correct
 * files), not-a-crs (first point is not the generator), no-range (ignores Range: 200 and the whole file).
 */
function startCrsHost(): Promise<string> {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, range: req.headers.range });
    const [, variant, file] = /^\/([a-z-]+)\/[0-9a-f]+\/(g1|g2)\.dat$/.exec(path) ?? [];
    if (variant === undefined) return void res.writeHead(404).end();
    let body: Buffer = file === 'g2' ? G2_FILE : G1_FILE;
    if (file === 'g1' && variant === 'not-a-crs') body = Buffer.concat([randomBytes(64), body.subarray(64)]);
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range && variant !== 'no-range') {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), body.length - 1);
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}` });
      return void res.end(body.subarray(start, end + 1));
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function buildCrs(args: Record<string, string>): Promise<DockerResult> {
  const buildArgs = Object.entries({ BASE_IMAGE: BASE_IMAGE_TAG, CRS_SOURCE: 'aztec', CRS_POINTS: String(CRS_POINTS), ...args }).flatMap(
    ([k, v]) => ['--build-arg', `${k}=${v}`],
  );
  // Host network: the stand-in listens on the host's loopback.
  return docker(engine, ['build', '--network', 'host', '--target', 'crs', '--tag', TAG, ...buildArgs, contextDir], { timeoutMs: 10 * 60_000 });
}

const output = (r: DockerResult): string => `exit ${r.code}\n${tailLines(r.stderr || r.stdout, 30)}`;

beforeAll(async () => {
  engine = await requireDockerEngine();
  await requireLocalImage(engine, BASE_IMAGE_TAG);
  contextDir = await mkdtemp(join(tmpdir(), 'crs-stage-'));
  await copyFile(join(REPO_ROOT, 'containers/prover/Dockerfile'), join(contextDir, 'Dockerfile'));
  host = await startCrsHost();
}, 60_000);

afterAll(async () => {
  // Only a started server calls back: with setup failed before it, awaiting its close would hang the run.
  if (server?.listening) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  if (engine) await docker(engine, ['image', 'rm', '--force', TAG]);
  if (contextDir) await rm(contextDir, { recursive: true, force: true });
});

describe('aztec CRS stage (local stand-in for the CRS hosts)', () => {
  it('range-requests exactly CRS_POINTS × 64 bytes, falls back to the next host and checks the pin', async () => {
    requests.length = 0;
    const build = await buildCrs({ CRS_HOSTS: `${DEAD_HOST} ${host}/ok/${NONCE}`, CRS_G1_SHA256: sha256(EXPECTED_G1) });
    expect(build.code, output(build)).toBe(0);
    expect(requests).toContainEqual({ path: `/ok/${NONCE}/g1.dat`, range: `bytes=0-${CRS_POINTS * 64 - 1}` });

    const files = await dockerOk(engine, ['run', '--rm', '--entrypoint', '/bin/sh', TAG, '-c', 'cd /crs && sha256sum bn254_g1.dat bn254_g2.dat && cat SOURCE.txt']);
    expect(files).toContain(`${sha256(EXPECTED_G1)}  bn254_g1.dat`);
    expect(files).toContain(`${sha256(G2_FILE)}  bn254_g2.dat`);
    expect(files).toContain(`first ${CRS_POINTS} G1 points of ${host}/ok/${NONCE}/g1.dat`);
  });

  it('fails the build when the download does not match CRS_G1_SHA256', async () => {
    const build = await buildCrs({ CRS_HOSTS: `${host}/ok/${NONCE}`, CRS_G1_SHA256: sha256(Buffer.from('something else')) });
    expect(build.code).not.toBe(0);
    expect(build.stderr).toContain('bn254_g1.dat: FAILED');
  });

  it('fails the build when the file is not a BN254 CRS in bb’s flat format', async () => {
    const build = await buildCrs({ CRS_HOSTS: `${host}/not-a-crs/${NONCE}` });
    expect(build.code).not.toBe(0);
    expect(build.stderr).toContain('first G1 point is not the generator (1,2)');
  });

  it('refuses a host that ignores the range request instead of storing more than asked', async () => {
    const build = await buildCrs({ CRS_HOSTS: `${host}/no-range/${NONCE}` });
    expect(build.code).not.toBe(0);
    expect(build.stderr).toContain(`could not download ${CRS_POINTS} CRS points from any of: ${host}/no-range/${NONCE}`);
  });
});
