/**
 * The fault drill behind `prover local --chaos <seed>`: a real local run (devnet on anvil, local S3, the
 * synthesized state machine, real job processes with real bb) with the seeded plan's faults injected at its
 * points, then a ledger read back from L1 and S3, and the invariants an operator relies on checked.
 *
 * Where the faults come from (no change to the runtime itself):
 *   - jobs: a ContainerLauncher wrapping the bundled job runner's process launcher (SIGKILL, S3 tampering at exit);
 *   - spot reclaims: the executor's FaultInjector (the attempt fails with Batch's status reason);
 *   - L1: the prover's wallet goes through viem's fallback transport over two loopback proxies in front of anvil;
 *   - polls / prove-block: the poller's and prove-block's own range→execution logic, called concurrently.
 */
import { readdir, readFile } from 'node:fs/promises';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createWalletClient, fallback, http, publicActions, type Address } from 'viem';
import { anvil as anvilChain } from 'viem/chains';
import { getBlock, getContractEvents } from 'viem/actions';
import { createS3Client } from '../../aws/s3-client.ts';
import { devnetRollupAbi } from '../../l1/abi.ts';
import { devnetRollupView } from '../../l1/devnet-rollup-port.ts';
import { getProvingDeadline } from '../../l1/get-proving-deadline.ts';
import { readTips } from '../../l1/read-tips.ts';
import { pollOnce, type PollResult } from '../../pipeline/poll.ts';
import { rangeRun } from '../../pipeline/run-name.ts';
import { submissionSchema } from '../../pipeline/submit-run.ts';
import { findFinishedResult } from '../../proving/job-runner.ts';
import { jobResultKey, jobSpecKey } from '../../proving/keys.ts';
import { anvilAccount } from '../anvil.ts';
import { processLauncher, type ContainerLauncher, type FaultInjector, type ProcessResult } from '../batch-executor.ts';
import { startDevnetEnv, type DevnetEnv } from '../devnet-env.ts';
import { bundleLocalJobRunner } from '../job-runner-bundle.ts';
import { LocalProver, type LocalRunResult } from '../local-prover.ts';
import { describeFault, type FaultPlan, type PlannedFault } from './plan.ts';
import { startRpcProxy, type RpcProxy } from './rpc-proxy.ts';

export interface DrillOptions {
  readonly plan: FaultPlan;
  readonly blocks: number;
  readonly txs: number;
  readonly concurrency: number;
  readonly dataDir: string;
  /** Give up (and fail the drill) after this long. @default 40 min */
  readonly deadlineMs?: number;
  readonly say?: (line: string) => void;
}

export interface FaultRecord {
  readonly id: string;
  readonly kind: PlannedFault['kind'];
  readonly planned: string;
  injected: boolean;
  /** ms since the drill started. */
  at?: number;
  where?: string;
  observed?: string;
  recovered?: string;
}

export interface Ledger {
  readonly seed: number;
  readonly blocksProposed: number;
  readonly blocksProven: number;
  readonly blocksSubmitted: number;
  readonly blocksLost: number;
  /** L2ProofVerified events on L1, in order. */
  readonly submissions: { fromBlock: number; toBlock: number; transactionHash: string }[];
  readonly runs: { name: string; status: string; error?: string }[];
  /** Jobs with more than one Batch attempt in one run (Batch retries). */
  readonly jobsRetried: number;
  /** Jobs that ran in more than one run (their run failed, the next one ran them again or skipped them). */
  readonly jobsRerun: number;
  /** Proofs made again for a job that had been proven before (the runner said "proved" more than once). */
  readonly proofsReproven: number;
  readonly proofsMade: number;
  readonly faults: FaultRecord[];
  readonly invariants: { name: string; ok: boolean; detail: string }[];
  readonly ok: boolean;
  readonly wallMs: number;
}

interface JobEvent {
  readonly jobId: string;
  readonly type: string;
  readonly run: string;
  readonly startedAt: number;
  readonly result: ProcessResult;
  readonly outcome?: string;
}

export async function runDrill(opts: DrillOptions): Promise<Ledger> {
  const t0 = Date.now();
  const say = opts.say ?? (() => {});
  const since = () => Date.now() - t0;
  const faults = new Map<string, FaultRecord>(opts.plan.faults.map((f) => [f.id, { id: f.id, kind: f.kind, planned: describeFault(f), injected: false }]));
  const record = (f: PlannedFault) => faults.get(f.id)!;
  const planned = <K extends PlannedFault['kind']>(kind: K) => opts.plan.faults.find((f): f is Extract<PlannedFault, { kind: K }> => f.kind === kind);
  const inject = (f: PlannedFault, where: string) => {
    const r = record(f);
    Object.assign(r, { injected: true, at: since(), where });
    say(`chaos: ${f.id} ${f.kind} injected at ${(r.at! / 1000).toFixed(1)} s: ${where}`);
  };

  say(`devnet: starting anvil, local S3, deploying the rollup and its Honk verifier…`);
  const env = await startDevnetEnv({ dataDir: opts.dataDir });
  const proxies: RpcProxy[] = [];
  try {
    const anvilTarget = { host: env.anvil.host, port: env.anvil.port };
    proxies.push(await startRpcProxy(anvilTarget), await startRpcProxy(anvilTarget));
    const [primary, secondary] = proxies as [RpcProxy, RpcProxy];
    say(`chaos: the prover reaches L1 through ${primary.url} (primary) and ${secondary.url} (fallback)`);
    // The prover's L1 client: account 1 as in the devnet env, over two URLs like an operator's config.
    const proverWallet = createWalletClient({
      account: anvilAccount(1),
      chain: { ...anvilChain, id: env.anvil.chainId },
      transport: fallback([http(primary.url, { retryCount: 0 }), http(secondary.url, { retryCount: 0 })], { retryCount: 1 }),
      pollingInterval: 50,
    }).extend(publicActions);
    const proxiedEnv: DevnetEnv = { ...env, prover: proverWallet as unknown as DevnetEnv['prover'] };
    const view = devnetRollupView(proverWallet, env.rollup);
    const direct = env.sequencer; // straight to anvil: the drill's own reads and the ledger

    for (let b = 0; b < opts.blocks; b++) {
      const n = await env.proposeBlock(opts.txs);
      say(`sequencer: proposed block ${n} with ${opts.txs} txs`);
    }

    // ---- job faults: a launcher around the bundled job runner ----------------------------------------------
    const runner = await bundleLocalJobRunner();
    const s3 = createS3Client({ region: 'us-east-1', endpoint: env.s3.endpoint, credentials: env.s3.credentials });
    const jobEvents: JobEvent[] = [];
    const typeOf = new Map<string, string>();
    let currentRun = '';
    const kill = planned('kill-job');
    const corrupt = planned('corrupt-output');
    const lose = planned('lose-result');
    const oneDown = planned('l1-rpc-one-down');
    const allDown = planned('l1-rpc-all-down');
    const window = planned('proof-window-closing');
    const txLost = planned('l1-tx-response-lost');
    let txLostAt = 0;
    const tampered = new Map<string, { faultId: string; run: string }>(); // job id → the fault that tampered with its S3 objects
    let submitFaultsArmed = allDown !== undefined || window !== undefined || txLost !== undefined;
    let allDownUntil = 0;
    let windowDeadline: bigint | undefined;
    let refusedBefore = 0;
    let refusedDuring = 0;
    const refusedWhileAllDown = () => refusedDuring;
    let spotJob: string | undefined;

    const jobType = async (jobId: string): Promise<string> => {
      const known = typeOf.get(jobId);
      if (known) return known;
      const raw = await env.store.get(jobSpecKey(jobId));
      const type = raw === undefined ? 'unknown' : String((JSON.parse(Buffer.from(raw).toString('utf8')) as { type?: string }).type);
      typeOf.set(jobId, type);
      return type;
    };

    const launcher: ContainerLauncher = async (command, jobEnv, signal) => {
      const jobId = jobEnv['JOB_ID'] ?? '?';
      const type = await jobType(jobId);
      const mine = new Set<import('node:child_process').ChildProcess>();
      const startedAt = Date.now();
      const running = processLauncher(runner.node, runner.bundle, mine)(command, { ...runner.env, ...jobEnv }, signal);
      let timer: NodeJS.Timeout | undefined;
      if (kill && !record(kill).injected && kill.jobType === type) {
        const armedKill = kill;
        const tick = async () => {
          const child = [...mine][0];
          if (!child?.pid || record(armedKill).injected) return;
          const tree = await descendants(child.pid);
          const bb = tree.find((p) => /(^|\/)bb( |$)/.test(p.cmd));
          if (!bb) {
            timer = setTimeout(() => void tick(), 250);
            return;
          }
          inject(armedKill, `job ${jobId} (${type}) of ${currentRun}, ${Date.now() - startedAt} ms into the attempt, bb pid ${bb.pid} proving`);
          // The container dies with everything in it: the runner and its bb.
          for (const p of tree) process.kill(p.pid, 'SIGKILL');
          child.kill('SIGKILL');
        };
        timer = setTimeout(() => void tick(), armedKill.afterMs);
      }
      const result = await running;
      clearTimeout(timer);
      const outcome = parseOutcome(result.stdout);
      jobEvents.push({ jobId, type, run: currentRun, startedAt, result, ...(outcome ? { outcome } : {}) });
      if (oneDown && record(oneDown).injected && primary.isDown() && oneDown.untilJobType === type) {
        primary.up();
        say(`chaos: ${oneDown.id} primary L1 RPC back up at ${(since() / 1000).toFixed(1)} s (refused ${primary.stats.refused} connections)`);
      }
      if (result.exitCode !== 0 || outcome !== 'proved') return result;
      // Finished jobs: tamper with S3 before anything reads the outputs (the executor has not reported success yet).
      const tamper = [corrupt, lose].find((f) => f && !record(f).injected && f.jobType === type);
      if (tamper?.kind === 'corrupt-output') {
        const resultJson = JSON.parse(Buffer.from((await env.store.get(jobResultKey(jobId)))!).toString('utf8')) as { outputs: Record<string, { key: string }> };
        const key = resultJson.outputs[tamper.output]!.key;
        const bytes = Buffer.from((await env.store.get(key))!);
        const at = Math.min(bytes.length - 1, Math.floor(tamper.offsetFraction * bytes.length));
        bytes[at] = bytes[at]! ^ 0xff;
        await env.store.put(key, bytes);
        tampered.set(jobId, { faultId: tamper.id, run: currentRun });
        inject(tamper, `job ${jobId} (${type}) of ${currentRun}: byte ${at} of ${key} flipped`);
      } else if (tamper?.kind === 'lose-result') {
        await s3.send(new DeleteObjectCommand({ Bucket: env.s3.bucket, Key: jobResultKey(jobId) }));
        tampered.set(jobId, { faultId: tamper.id, run: currentRun });
        inject(tamper, `job ${jobId} (${type}) of ${currentRun}: ${jobResultKey(jobId)} deleted`);
      } else if (type === 'ROOT' && submitFaultsArmed) {
        // The root proof is ready and intact: Submit is next.
        submitFaultsArmed = false;
        if (window) {
          // anvil automines: its latest block may be minutes old. Mine one so "now" is now.
          await anvilRpc(env.anvil.rpcUrl, 'evm_mine', []);
          const { secondsLeft } = await getProvingDeadline(direct, { address: env.rollup, blockNumber: 1n });
          const jump = Number(secondsLeft) - window.secondsLeft;
          if (jump > 0) {
            await anvilRpc(env.anvil.rpcUrl, 'evm_increaseTime', [jump]);
            await anvilRpc(env.anvil.rpcUrl, 'evm_mine', []);
          }
          const after = await getProvingDeadline(direct, { address: env.rollup, blockNumber: 1n });
          inject(window, `L1 time +${jump} s before Submit of ${currentRun}: ${after.secondsLeft} s left to prove block 1 (deadline ${after.deadline})`);
          record(window).observed = `${after.secondsLeft} s left in the proof window when Submit started`;
          windowDeadline = after.deadline;
        }
        if (txLost) {
          const armed = txLost;
          const run = currentRun;
          void primary.dropNextResponseTo('eth_sendRawTransaction').then(() => {
            txLostAt = Date.now();
            inject(armed, `${primary.url} dropped the response to eth_sendRawTransaction of Submit in ${run}`);
          });
        }
        if (allDown) {
          primary.down();
          secondary.down();
          allDownUntil = Date.now() + allDown.durationMs;
          refusedBefore = primary.stats.refused + secondary.stats.refused;
          inject(allDown, `both L1 RPC URLs down for ${allDown.durationMs} ms, from just before Submit of ${currentRun}`);
          setTimeout(() => {
            refusedDuring = primary.stats.refused + secondary.stats.refused - refusedBefore;
            primary.up();
            secondary.up();
            say(`chaos: ${allDown.id} L1 RPC back up at ${(since() / 1000).toFixed(1)} s (refused ${primary.stats.refused + secondary.stats.refused} connections so far)`);
          }, allDown.durationMs).unref();
        }
      }
      return result;
    };

    const spot = planned('spot-reclaim');
    const seen: string[] = [];
    const spotInjector: FaultInjector = ({ env: jobEnv, attempt }) => {
      const jobId = jobEnv['JOB_ID'] ?? '?';
      if (!seen.includes(jobId)) seen.push(jobId);
      if (!spot || record(spot).injected || attempt !== 1 || seen.indexOf(jobId) + 1 !== spot.jobOrdinal) return undefined;
      inject(spot, `job ${jobId} (#${spot.jobOrdinal} to start) of ${currentRun}, attempt 1`);
      spotJob = jobId;
      return { statusReason: `Host EC2 (instance ${spot.instanceId}) terminated.` };
    };

    const prover = await LocalProver.create({ env: proxiedEnv, concurrency: opts.concurrency, maxBlocksPerRun: opts.blocks, launcher, faults: spotInjector, log: (m, f) => say(`  ${m} ${f ? JSON.stringify(f) : ''}`) });
    const runFailingFaults = opts.plan.faults.filter((f) => f.kind === 'kill-job' || f.kind === 'corrupt-output' || f.kind === 'lose-result').length;
    // The poller gives up on a range after 3 failed runs (an operator takes over); the drill lets it retry once per
    // fault that must fail a run, plus the usual margin.
    const maxAttempts = 3 + runFailingFaults;
    const poll = () => pollOnce({ profile: 'devnet', rollup: view, executions: prover.executions, maxBlocksPerRun: opts.blocks, maxRunsPerPoll: 4, maxAttempts });
    const proveBlock = async (): Promise<'started' | 'exists'> => {
      // prove-block's own logic (lib/cli/prove-block.ts): the range's run name from L1, then start it.
      const run = await rangeRun({ profile: 'devnet', rollup: view, executions: prover.executions, fromBlock: 1n, toBlock: BigInt(opts.blocks), maxAttempts: Number.POSITIVE_INFINITY });
      return run.status === undefined ? prover.executions.start(run.name!, { ...run.input }) : 'exists';
    };

    if (oneDown) {
      primary.down();
      inject(oneDown, `primary ${primary.url} down before the first poll; fallback ${secondary.url} up`);
    }
    // ---- the first poll, raced by a manual prove-block --------------------------------------------------------
    const race = planned('prove-block-race');
    let first: PollResult;
    if (race) {
      inject(race, `prove-block 1..${opts.blocks} and the poller, ${race.first} first, ${race.skewMs} ms apart`);
      const later = <T>(fn: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => fn().then(resolve, reject), race.skewMs));
      const [p, manual] = race.first === 'poller' ? await Promise.all([poll(), later(proveBlock)]) : await Promise.all([later(poll), proveBlock()]).then(([a, b]) => [a, b] as const);
      first = p;
      const names = prover.executions.names();
      const r = record(race);
      r.observed = `poller started [${p.started.join(', ')}] (already running [${p.alreadyRunning.join(', ')}]), prove-block: ${manual}`;
      if (names.length === 1 && p.started.length + (manual === 'started' ? 1 : 0) === 1) r.recovered = `one execution for the range: ${names[0]}`;
    } else {
      first = await poll();
    }
    const refusedWhileOneDown = primary.stats.refused;
    if (oneDown) record(oneDown).observed = `the first poll and its range lookup ran with the primary down (${refusedWhileOneDown} connections refused)`;
    say(`poller: L1 pending ${first.pending}, proven ${first.proven}; started ${first.started.join(', ') || 'nothing'}`);
    currentRun = prover.executions.names()[0] ?? '';

    const dup = planned('duplicate-poll');
    if (dup) {
      await sleep(dup.delayMs);
      const before = prover.executions.names().length;
      const status = await prover.executions.status(currentRun);
      const again = await poll();
      inject(dup, `a second poll ${dup.delayMs} ms after the first, ${currentRun} ${status}`);
      const r = record(dup);
      r.observed = `second poll: started [${again.started.join(', ')}], already running [${again.alreadyRunning.join(', ')}]`;
      if (again.started.length === 0 && prover.executions.names().length === before && again.alreadyRunning.includes(currentRun)) r.recovered = 'nothing started twice';
    }

    // ---- the poller's loop: wait for the running runs, poll again, until L1 is proven or nothing moves -------
    const deadline = t0 + (opts.deadlineMs ?? 40 * 60_000);
    const runs: LocalRunResult[] = [];
    const awaited = new Set<string>();
    const pollFailures: string[] = [];
    for (;;) {
      for (const name of prover.executions.names()) {
        if (awaited.has(name)) continue;
        awaited.add(name);
        currentRun = name;
        const result = await waitOrDeadline(prover.wait(name), deadline);
        if (!result) break;
        runs.push(result);
        say(`run ${name}: ${result.status}${result.error ? ` — ${result.error.slice(0, 300)}` : ''}`);
      }
      if (Date.now() > deadline) break;
      let next: PollResult;
      try {
        next = await poll();
      } catch (err) {
        pollFailures.push(`${(since() / 1000).toFixed(1)} s: ${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)}`);
        say(`poller: poll failed (${pollFailures.at(-1)}); next poll in 2 s`);
        await sleep(2_000);
        continue;
      }
      if (next.pending <= next.proven) break;
      if (next.started.length === 0 && next.alreadyRunning.length === 0) {
        say(`poller: nothing to start (gave up on [${next.gaveUp.join(', ')}]${next.waiting ? `, waiting: ${next.waiting}` : ''})`);
        break;
      }
      say(`poller: started ${next.started.join(', ') || 'nothing'}`);
    }
    if (allDown && Date.now() < allDownUntil) await sleep(allDownUntil - Date.now());

    // ---- the ledger ------------------------------------------------------------------------------------------
    const tips = await readTips(direct, { address: env.rollup });
    const events = await getContractEvents(direct, { address: env.rollup as Address, abi: devnetRollupAbi, eventName: 'L2ProofVerified', fromBlock: 0n });
    const submissions = events.map((e) => ({ fromBlock: Number(e.args.fromBlock), toBlock: Number(e.args.toBlock), transactionHash: e.transactionHash, blockNumber: e.blockNumber }));
    const proved = jobEvents.filter((e) => e.outcome === 'proved');
    const provedCount = new Map<string, number>();
    for (const e of proved) provedCount.set(e.jobId, (provedCount.get(e.jobId) ?? 0) + 1);
    const reproven = [...provedCount.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
    const jobsRetried = prover.executor.jobs.filter((j) => j.attempts.length > 1).length;
    const proposed = opts.blocks;
    const proven = Number(tips.proven);
    const covered = new Map<number, number>();
    for (const s of submissions) for (let b = s.fromBlock; b <= s.toBlock; b++) covered.set(b, (covered.get(b) ?? 0) + 1);
    const submittedBlocks = covered.size;
    const text = (e: JobEvent) => `${e.result.stdout}\n${e.result.stderr}`;
    const runErrors = runs.map((r) => r.error ?? '').join('\n');

    // ---- did each fault bite, and did the system recover? -----------------------------------------------------
    const finalOk = proven === proposed;
    if (kill && record(kill).injected) {
      const killed = jobEvents.find((e) => e.result.signal === 'SIGKILL' && e.type === kill.jobType);
      const attempt = prover.executor.jobs.flatMap((j) => j.attempts).find((a) => a.statusReason === 'Container killed by SIGKILL');
      if (killed && attempt) {
        record(kill).observed = `Batch attempt: "${attempt.statusReason}", exit code ${attempt.exitCode}; run ${killed.run} failed`;
        const later = proved.find((e) => e.jobId === killed.jobId && e.startedAt > killed.startedAt);
        if (later && finalOk) record(kill).recovered = `job ${killed.jobId} proven again by ${later.run}`;
      }
    }
    if (spot && record(spot).injected && spotJob) {
      const job = prover.executor.jobs.find((j) => j.env['JOB_ID'] === spotJob && j.attempts[0]?.statusReason.startsWith('Host EC2'));
      if (job) {
        record(spot).where = record(spot).where?.replace(`#${spot.jobOrdinal} to start`, `#${spot.jobOrdinal} to start: ${typeOf.get(spotJob) ?? 'unknown type'}`);
        record(spot).observed = `attempt 1: "${job.attempts[0]!.statusReason}"`;
        if (job.attempts.length > 1 && retryWorked(job)) record(spot).recovered = `Batch retried it: attempt ${job.attempts.length} ${job.attempts.at(-1)!.statusReason}`;
      }
    }
    for (const [jobId, { faultId }] of tampered) {
      const r = faults.get(faultId)!;
      const detectedBy = jobEvents.find((e) => e.jobId !== jobId && text(e).includes(`child job ${jobId} has no verified output`));
      if (detectedBy) r.observed = `parent job ${detectedBy.jobId} (${detectedBy.type}) of ${detectedBy.run} refused it: "child job ${jobId} has no verified output yet"; the run failed`;
      else if (runErrors.includes(jobId) && runErrors.includes('missing or corrupt')) r.observed = `Submit refused it: "the root proof (job ${jobId}) is missing or corrupt"; the run failed, nothing sent to L1`;
      const reproven = proved.filter((e) => e.jobId === jobId).length > 1;
      if (r.observed && reproven && finalOk && (await findFinishedResult(env.store, jobId))) r.recovered = `job ${jobId} re-proven by a later run; its outputs verify`;
    }
    if (oneDown && record(oneDown).injected) {
      if (refusedWhileOneDown === 0) record(oneDown).observed = undefined;
      else if (prover.executions.names().length > 0) record(oneDown).recovered = `the first poll's L1 reads answered through the fallback URL (pending ${first.pending}, proven ${first.proven}); the range has its execution ${prover.executions.names()[0]}`;
    }
    if (allDown && record(allDown).injected) {
      const refused = refusedWhileAllDown();
      // The drill's poller waits on the run meanwhile: Submit is the only L1 client during the outage.
      if (refused > 0) record(allDown).observed = `${refused} L1 connections (Submit's) refused while both URLs were down${pollFailures.length ? `; polls failed: ${pollFailures.join('; ')}` : ''}`;
      const confirmed = await confirmedSubmissions(env);
      const after = confirmed.find((s) => Date.parse(s.at) >= allDownUntil);
      if (after && finalOk) record(allDown).recovered = `Submit retried past the outage; ${after.runId} confirmed in ${after.transactionHash} at ${after.at}`;
      // With l1-tx-response-lost, Submit's send after the outage reached anvil (and was mined) but got no answer.
      else if (txLostAt >= allDownUntil && submissions.length > 0 && finalOk) {
        record(allDown).recovered = `Submit retried past the outage and sent its proof ${((txLostAt - allDownUntil) / 1000).toFixed(1)} s after L1 came back; mined in ${submissions[0]!.transactionHash}`;
      }
    }
    if (txLost && record(txLost).injected) {
      const forRange = submissions.filter((s) => s.fromBlock === 1);
      const block = forRange[0] ? await getBlock(direct, { blockNumber: forRange[0].blockNumber }) : undefined;
      const outcome = runs.find((r) => r.name === record(txLost).where?.split(' in ').at(-1));
      if (forRange.length >= 1) record(txLost).observed = `the transaction was mined (L1 block ${forRange[0]!.blockNumber}${block ? `, ${block.transactions.length} tx` : ''}) but Submit got no answer; its run ended ${outcome?.status ?? '?'}${outcome?.error ? `: ${outcome.error.split('\n')[0]!.slice(0, 200)}` : ''}`;
      if (forRange.length === 1 && finalOk && primary.stats.responsesDropped === 1) record(txLost).recovered = `one L2ProofVerified for 1..${forRange[0]!.toBlock} (${forRange[0]!.transactionHash}): no second submission`;
    }
    if (window && record(window).injected && windowDeadline !== undefined && submissions.length > 0) {
      const last = submissions.at(-1)!;
      const block = await getBlock(direct, { blockNumber: last.blockNumber });
      if (block.timestamp <= windowDeadline) record(window).recovered = `proof landed at L1 time ${block.timestamp}, ${windowDeadline - block.timestamp} s before the deadline`;
    }

    // ---- invariants -------------------------------------------------------------------------------------------
    const invariants: Ledger['invariants'] = [];
    const check = (name: string, ok: boolean, detail: string) => invariants.push({ name, ok, detail });
    check('no block lost', Number(tips.pending) === proposed && proven === proposed, `proposed ${proposed}, L1 pending ${tips.pending}, proven ${tips.proven}`);
    const contiguous = submissions.every((s, i) => s.fromBlock === (i === 0 ? 1 : submissions[i - 1]!.toBlock + 1));
    const once = [...covered.values()].every((n) => n === 1);
    check('submissions == proven ranges (each block submitted once, in order)', contiguous && once && submittedBlocks === proven, submissions.map((s) => `${s.fromBlock}..${s.toBlock}`).join(', ') || 'none');
    // A run that had a tampered object must have failed (it never reached L1), and its refusal must be on record.
    const tamperedRuns = [...tampered.values()].map((t) => ({ ...t, status: runs.find((r) => r.name === t.run)?.status }));
    check('no tampered proof submitted', tamperedRuns.every((t) => t.status === 'FAILED' && faults.get(t.faultId)!.observed !== undefined), tamperedRuns.map((t) => `${t.faultId}: ${t.run} ${t.status ?? '?'}`).join(', ') || 'nothing tampered');
    for (const f of faults.values()) check(`fault ${f.id} ${f.kind} injected, observed, recovered`, f.injected && !!f.observed && !!f.recovered, f.recovered ?? f.observed ?? (f.injected ? 'not observed' : 'never triggered'));

    return {
      seed: opts.plan.seed,
      blocksProposed: proposed,
      blocksProven: proven,
      blocksSubmitted: submittedBlocks,
      blocksLost: proposed - proven,
      submissions: submissions.map(({ fromBlock, toBlock, transactionHash }) => ({ fromBlock, toBlock, transactionHash })),
      runs: runs.map((r) => ({ name: r.name, status: r.status, ...(r.error ? { error: r.error.slice(0, 500) } : {}) })),
      jobsRetried,
      jobsRerun: new Set(jobEvents.filter((e) => jobEvents.some((o) => o.jobId === e.jobId && o.run !== e.run)).map((e) => e.jobId)).size,
      proofsReproven: reproven,
      proofsMade: proved.length,
      faults: [...faults.values()],
      invariants,
      ok: invariants.every((i) => i.ok),
      wallMs: Date.now() - t0,
    };
  } finally {
    for (const p of proxies) await p.close();
    await env.stop();
  }
}

async function confirmedSubmissions(env: DevnetEnv): Promise<{ runId: string; transactionHash: string; at: string }[]> {
  const out = [];
  for (const key of await env.store.list('runs/')) {
    if (!key.endsWith('/submission.json')) continue;
    const s = submissionSchema.parse(JSON.parse(Buffer.from((await env.store.get(key))!).toString('utf8')));
    if (s.status === 'confirmed' && s.transactionHash) out.push({ runId: s.runId, transactionHash: s.transactionHash, at: s.at });
  }
  return out;
}

function retryWorked(job: { status: string }): boolean {
  return job.status === 'SUCCEEDED';
}

function parseOutcome(stdout: string): string | undefined {
  const last = stdout.trim().split('\n').at(-1);
  try {
    return (JSON.parse(last ?? '') as { status?: string }).status;
  } catch {
    return undefined;
  }
}

/** Every process under `pid` (Linux /proc), with its command line. */
async function descendants(pid: number): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    let tasks: string[] = [];
    try {
      tasks = await readdir(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      const children = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        const cmd = (await readFile(`/proc/${c}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
        out.push({ pid: c, cmd });
        queue.push(c);
      }
    }
  }
  return out;
}

async function anvilRpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitOrDeadline<T>(p: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function formatLedger(l: Ledger): string {
  const lines = [
    '',
    `chaos ledger (seed ${l.seed}, ${(l.wallMs / 1000).toFixed(0)} s)`,
    `  blocks proposed ${l.blocksProposed} / proven ${l.blocksProven} / submitted ${l.blocksSubmitted} / lost ${l.blocksLost}`,
    `  submissions on L1: ${l.submissions.map((s) => `${s.fromBlock}..${s.toBlock} (${s.transactionHash.slice(0, 10)}…)`).join(', ') || 'none'}`,
    `  runs: ${l.runs.map((r) => `${r.name} ${r.status}`).join(', ')}`,
    `  proofs made ${l.proofsMade}, re-proven ${l.proofsReproven}; jobs retried by Batch ${l.jobsRetried}, run again by a later run ${l.jobsRerun}`,
    '',
    '  fault                      at s   where / observed / recovered',
  ];
  for (const f of l.faults) {
    lines.push(`  ${`${f.id} ${f.kind}`.padEnd(26)} ${f.at === undefined ? '    -' : (f.at / 1000).toFixed(1).padStart(5)}   ${f.where ?? 'NOT INJECTED'}`);
    lines.push(`  ${''.padEnd(34)}observed: ${f.observed ?? 'NO'}`);
    lines.push(`  ${''.padEnd(34)}recovered: ${f.recovered ?? 'NO'}`);
  }
  lines.push('', '  invariants:');
  for (const i of l.invariants) lines.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name} — ${i.detail}`);
  lines.push(`\n  drill ${l.ok ? 'PASSED' : 'FAILED'}`);
  return lines.join('\n');
}
