/**
 * The README's deploy command line, as written, configures what it says: it is read from README.md, `cdk deploy`
 * becomes `cdk synth` (no AWS account here), the `0x…` placeholders become addresses, and bash runs it — so the
 * quoting is the shell's and the `-c prover.<key>=…` context reaches the app the way the CDK CLI passes it.
 * A second synth sets `prover.profile=aztec` in the same line (devnet is also the default, so only another
 * profile shows that the profile arrives). Slow: two CLI synths (the first stages the prover image context).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/infra/prover-function.ts';
import { getProfile } from '../../lib/protocols/registry.ts';
import { offlineEnv, resourcesOfType, type CfnResource, type CfnTemplate } from './cdk-cli.ts';

const ADDRESSES: Readonly<Record<string, string>> = {
  rollupAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  proverAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};

/** The `npx cdk deploy …` command of the README's Deploy section, continuation lines included, verbatim. */
function readmeDeployCommand(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Deploy\n'));
  const block = section && /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  const lines = block?.split('\n') ?? [];
  const start = lines.findIndex((l) => l.startsWith('npx cdk deploy '));
  if (start < 0) throw new Error('README.md: no `npx cdk deploy` line in the first bash block of "## Deploy"');
  let end = start;
  while (lines[end]!.endsWith('\\')) end++;
  return lines.slice(start, end + 1).join('\n');
}

interface Synth {
  readonly command: string;
  readonly result: SpawnSyncReturns<string>;
  readonly outdir: string;
}

function synth(command: string, env: NodeJS.ProcessEnv): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-readme-'));
  const result = spawnSync('bash', ['-c', command], { cwd: PROJECT_ROOT, env: { ...env, SYNTH_OUT: outdir }, encoding: 'utf8', timeout: 300_000 });
  return { command, result, outdir };
}

function template(s: Synth): CfnTemplate {
  expect(s.result.error).toBeUndefined();
  expect(s.result.status, `${s.command}\nstdout:\n${s.result.stdout}\nstderr:\n${s.result.stderr}`).toBe(0);
  return JSON.parse(readFileSync(join(s.outdir, 'AztecProver.template.json'), 'utf8')) as CfnTemplate;
}

const lambdaEnv = (fn: CfnResource) => (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
const described = (t: CfnTemplate, prefix: string): CfnResource => {
  const fn = resourcesOfType(t, 'AWS::Lambda::Function').find((r) => String(r.Properties['Description'] ?? '').startsWith(prefix));
  if (!fn) throw new Error(`no Lambda function described "${prefix}…"`);
  return fn;
};

/** The proving job definitions (one per resource class), by logical id, with their container environment. */
function provingJobDefinitions(t: CfnTemplate): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::Batch::JobDefinition') continue;
    const env = (r.Properties['ContainerProperties'] as { Environment?: { Name: string; Value: unknown }[] }).Environment ?? [];
    const vars = Object.fromEntries(env.map((e) => [e.Name, e.Value]));
    if (vars['RESOURCE_CLASS'] !== undefined) found.set(id, vars);
  }
  return found;
}

function expectConfigured(t: CfnTemplate, outdir: string, profile: string): void {
  // profile → a job definition per resource class of that profile, each running that profile's jobs …
  const jobs = provingJobDefinitions(t);
  expect([...jobs.values()].map((v) => v['RESOURCE_CLASS']).sort()).toEqual(Object.keys(getProfile(profile).resourceClasses).sort());
  for (const vars of jobs.values()) expect(vars['PROFILE']).toBe(profile);
  // … which the state machine submits to,
  const definitions = resourcesOfType(t, 'AWS::StepFunctions::StateMachine').map((m) => JSON.stringify(m.Properties['DefinitionString']));
  expect(definitions.some((d) => [...jobs.keys()].every((id) => d.includes(id)))).toBe(true);
  // … and the image's CRS.
  const assets = JSON.parse(readFileSync(join(outdir, 'AztecProver.assets.json'), 'utf8')) as {
    dockerImages: Record<string, { source: { dockerBuildArgs: Record<string, string> } }>;
  };
  expect(Object.values(assets.dockerImages).map((i) => i.source.dockerBuildArgs['CRS_SOURCE'])).toEqual([profile === 'devnet' ? 'devnet-insecure' : 'aztec']);

  // rpcUrls and rollupAddress → every L1-facing Lambda, and the poll schedule is enabled.
  for (const prefix of ['Plans a proving run', 'Re-checks L1', 'Reads the rollup tips']) {
    expect(lambdaEnv(described(t, prefix))).toMatchObject({
      PROFILE: profile,
      RPC_URLS: 'https://l1-a.example,https://l1-b.example',
      ROLLUP_ADDRESS: ADDRESSES['rollupAddress'],
    });
  }
  expect(resourcesOfType(t, 'AWS::Scheduler::Schedule').map((s) => s.Properties['State'])).toEqual(['ENABLED']);
  // proverAddress → Plan, which commits the root proof to it.
  expect(lambdaEnv(described(t, 'Plans a proving run'))['PROVER_ADDRESS']).toBe(ADDRESSES['proverAddress']);
}

describe("the README's deploy command line (as a synth)", () => {
  const command = readmeDeployCommand();
  const asSynth = command
    .replace('npx cdk deploy ', 'npx cdk synth -q --no-notices -o "$SYNTH_OUT" ')
    .replace(/prover\.(\w+)=0x…/g, (whole, key: string) => (ADDRESSES[key] ? `prover.${key}=${ADDRESSES[key]}` : whole));
  let env: NodeJS.ProcessEnv;
  let devnet: Synth;
  let aztec: Synth;

  beforeAll(() => {
    env = offlineEnv();
    devnet = synth(asSynth, env);
    // The image context was just staged by the first synth: reuse it.
    aztec = synth(`${asSynth.replace('prover.profile=devnet', 'prover.profile=aztec')} -c stageProverImage=false`, env);
  }, 700_000);

  afterAll(() => {
    for (const dir of [devnet?.outdir, aztec?.outdir, env?.['HOME']]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sets exactly profile, rpcUrls, rollupAddress and proverAddress (what the checks below cover)', () => {
    const keys = [...command.matchAll(/-c prover\.(\w+)=/g)].map((m) => m[1]);
    expect(keys).toEqual(['profile', 'rpcUrls', 'rollupAddress', 'proverAddress']);
    expect(command).toContain('-c prover.profile=devnet');
    expect(asSynth).not.toContain('…');
  });

  it('devnet, as written: RPC URLs, rollup and prover address reach the Lambdas, the poller is enabled', () => {
    expectConfigured(template(devnet), devnet.outdir, 'devnet');
  });

  it('with prover.profile=aztec: the aztec job definitions, state machine and CRS', () => {
    expectConfigured(template(aztec), aztec.outdir, 'aztec');
  });

  it('a mistyped prover.<key> fails the synth naming it and where it was set, without a stack trace', () => {
    const typo = synth(`${asSynth} -c prover.maxVcpu=8`, env);
    rmSync(typo.outdir, { recursive: true, force: true });
    expect(typo.result.status).not.toBe(0);
    expect(typo.result.stderr).toContain('config: "maxVcpu" is not a config key (known keys: stackName, profile, ');
    expect(typo.result.stderr).toContain('set in context "prover.maxVcpu" (-c prover.maxVcpu=…)');
    expect(typo.result.stderr).not.toMatch(/^\s+at /m);
  });
});
