/**
 * `npm run bench:broker`: what the broker costs on top of proving, measured in one run of an Aztec epoch —
 * Aztec's unmodified ProvingOrchestrator over a real world state, 1 checkpoint × 1 empty block, every job through
 * the local broker (the synthesized per-job state machine on the local engine, dynalite, s3rver) and proven by
 * the job runner with the native bb 4.1.2 — in the Debian 13 base image (test/container/aztec-epoch/prove-epoch.ts).
 *
 * Per job: dispatch in = enqueued → its Batch job started; dispatch out = Batch job stopped → the facade saw it
 * settled; runner overhead = the job runner's wall − bb's proving time. For the epoch: wall (startNewEpoch →
 * finalizeEpoch) ÷ Σ bb time. Ratios are the result; seconds depend on the machine and its load.
 *
 *   npm run bench:broker [-- --json] [--out DIR]     needs a Docker engine and the base image (.ci/docker-setup.sh)
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { AZTEC_FULL_CRS_POINTS, insecureAztecTestCrs } from '../lib/protocols/aztec/prover/test-crs.ts';
import { BASE_IMAGE_TAG, docker, requireDockerEngine, requireLocalImage, tailLines } from '../test/container/docker-engine.ts';

interface Timeline {
  readonly type: string;
  readonly enqueuedAt: number;
  readonly batchStartedAt?: number;
  readonly batchStoppedAt?: number;
  readonly facadeSawAt?: number;
  readonly proveMs?: number;
  readonly runnerWallMs?: number;
}

const { values } = parseArgs({ options: { json: { type: 'boolean' }, out: { type: 'string' } } });
const repo = join(import.meta.dirname, '..');
const engine = await requireDockerEngine();
await requireLocalImage(engine, BASE_IMAGE_TAG);
const crs = await insecureAztecTestCrs(AZTEC_FULL_CRS_POINTS);
const cache = join(homedir(), '.cache', 'aztec-aws-prover');
const work = values.out ?? (await mkdtemp(join(tmpdir(), 'bench-broker-')));
process.stderr.write(`bench:broker: proving an Aztec epoch in ${BASE_IMAGE_TAG} (work dir ${work}) …\n`);
const run = await docker(
  engine,
  [
    'run', '--rm', '-v', `${repo}:${repo}`, '-v', `${cache}:/root/.cache/aztec-aws-prover`, '-v', `${work}:${work}`, '-w', repo,
    '-e', `CRS_DIR=/root/.cache/aztec-aws-prover/${relative(cache, crs.dir)}`, '-e', `STATE_DIR=${work}/state`, '-e', `EPOCH_OUT=${work}/summary.json`,
    BASE_IMAGE_TAG, join(repo, 'node_modules/node/bin/node'), join(repo, 'node_modules/.bin/tsx'), 'test/container/aztec-epoch/prove-epoch.ts',
  ],
  { timeoutMs: 3_600_000, onStderr: (chunk) => chunk.split('\n').filter((l) => l.startsWith('[epoch]')).forEach((l) => process.stderr.write(`${l}\n`)) },
);
if (run.code !== 0) throw new Error(`the epoch run failed (exit ${run.code}):\n${tailLines(run.stderr, 40)}`);
const summary = JSON.parse(await readFile(join(work, 'summary.json'), 'utf8')) as { verified: boolean; timeline: Timeline[]; ms: { epoch: number; keys: number } };

const s = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const jobs = [...summary.timeline].sort((a, b) => (a.batchStartedAt ?? 0) - (b.batchStartedAt ?? 0));
const dispatchIn = jobs.map((j) => (j.batchStartedAt ?? j.enqueuedAt) - j.enqueuedAt);
const dispatchOut = jobs.map((j) => (j.facadeSawAt ?? 0) - (j.batchStoppedAt ?? 0));
const runnerOverhead = jobs.map((j) => (j.runnerWallMs ?? 0) - (j.proveMs ?? 0));
const sumBb = jobs.reduce((sum, j) => sum + (j.proveMs ?? 0), 0);
const report = {
  verified: summary.verified,
  jobs: jobs.length,
  epochWallMs: summary.ms.epoch,
  sumBbMs: sumBb,
  epochWallOverSumBb: Number((summary.ms.epoch / sumBb).toFixed(3)),
  medianDispatchInMs: median(dispatchIn),
  medianDispatchOutMs: median(dispatchOut),
  medianRunnerOverheadMs: median(runnerOverhead),
  testCrsKeysMs: summary.ms.keys,
  perJob: jobs.map((j, i) => ({ type: j.type, dispatchInMs: dispatchIn[i], batchWallMs: (j.batchStoppedAt ?? 0) - (j.batchStartedAt ?? 0), proveMs: j.proveMs, runnerOverheadMs: runnerOverhead[i], dispatchOutMs: dispatchOut[i] })),
};
if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const rows = report.perJob.map((j) => `| ${j.type} | ${s(j.dispatchInMs)} | ${s(j.batchWallMs)} | ${s(j.proveMs)} | ${s(j.runnerOverheadMs)} | ${s(j.dispatchOutMs)} |`);
  process.stdout.write(
    [
      `Aztec epoch (1 checkpoint × 1 empty block) through the local broker: root proof ${summary.verified ? 'verifies' : 'DOES NOT VERIFY'}`,
      '',
      '| job | enqueue → Batch start (s) | Batch job (s) | bb prove (s) | runner around bb (s) | Batch stop → facade (s) |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `epoch wall ${s(report.epochWallMs)} s ÷ Σ bb ${s(report.sumBbMs)} s = **${report.epochWallOverSumBb}**`,
      `medians: dispatch in ${s(report.medianDispatchInMs)} s, dispatch out ${s(report.medianDispatchOutMs)} s, runner around bb ${s(report.medianRunnerOverheadMs)} s`,
      `(before the epoch: the test-CRS keys of the tree's circuits, ${s(report.testCrsKeysMs)} s)`,
      '',
    ].join('\n'),
  );
}
