import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bbCommandLineFor, bbSubcommand, parseBbCall, type DelegatedCall } from '../../lib/bb-remote/bb-argv.ts';
import { resourceClassFor, jobDefinitionFor } from '../../lib/bb-remote/resource-class.ts';

const cwd = '/work/agent';
const DELEGATE = ['prove', 'avm_prove'];
/** What the two bbs print for --version (measured). */
const BB5 = '5.0.0-nightly.20260710';
const BB4 = '4.1.2';

function delegated(argv: string[], delegate = DELEGATE, bbVersion = BB5): DelegatedCall {
  const parsed = parseBbCall(argv, { delegate, cwd, bbVersion });
  if (parsed.kind !== 'delegate') throw new Error(`expected a delegated call, got pass-through (${parsed.note ?? 'no note'})`);
  return parsed.call;
}

describe('parseBbCall: what Aztec bb-prover sends', () => {
  it('generateProof: inputs become {in:…}, -o becomes {out}, the rest is kept in order', () => {
    // @aztec/bb-prover src/bb/execute.ts generateProof (rollup circuits): getArgs(flavor) + --disable_zk -o -b -k -w -v
    const call = delegated([
      'prove', '--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--ipa_accumulation', '--disable_zk',
      '-o', '/tmp/job-1', '-b', '/tmp/job-1/rollup-tx-merge-bytecode', '-k', '/tmp/job-1/rollup-tx-merge-vk', '-w', '/tmp/job-1/partial-witness.gz', '-v',
    ]);
    expect(call.args).toEqual([
      'prove', '--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--ipa_accumulation', '--disable_zk',
      '-o', '{out}', '-b', '{in:bytecode}', '-k', '{in:vk}', '-w', '{in:witness.gz}', '-v',
    ]);
    expect(call.inputs).toEqual({
      bytecode: '/tmp/job-1/rollup-tx-merge-bytecode',
      vk: '/tmp/job-1/rollup-tx-merge-vk',
      'witness.gz': '/tmp/job-1/partial-witness.gz',
    });
    expect(call.outDir).toBe('/tmp/job-1');
    expect(call.outputs).toEqual([
      { name: 'proof', path: '/tmp/job-1/proof' },
      { name: 'public_inputs', path: '/tmp/job-1/public_inputs' },
    ]);
    expect(call.optionalOutputs).toEqual([]);
    expect(resourceClassFor(call)).toBe('small');
  });

  it('generateAvmProof: --avm-inputs is the input, proof (and vk when the bb writes one) the outputs, class avm', () => {
    const call = delegated(['avm_prove', '--avm-inputs', '/tmp/avm/avm_inputs.bin', '-o', '/tmp/avm', '-d']);
    expect(call.args).toEqual(['avm_prove', '--avm-inputs', '{in:avm_inputs.bin}', '-o', '{out}', '-d']);
    expect(call.inputs).toEqual({ 'avm_inputs.bin': '/tmp/avm/avm_inputs.bin' });
    expect(call.outputs.map((o) => o.name)).toEqual(['proof']);
    expect(call.optionalOutputs.map((o) => o.name)).toEqual(['vk']);
    expect(resourceClassFor(call)).toBe('avm');
  });
});

describe('parseBbCall: bb semantics', () => {
  it('drops the CRS option in every spelling: the image has the CRS', () => {
    for (const crs of [['-c', '/crs'], ['--crs_path', '/crs'], ['--crs_path=/crs'], ['-c/crs']]) {
      const call = delegated(['prove', ...crs, '-b', 'p.json', '-w', 'w.gz', '--write_vk', '-o', 'out']);
      expect(call.args).toEqual(['prove', '-b', '{in:bytecode.json}', '-w', '{in:witness.gz}', '--write_vk', '-o', '{out}']);
    }
    // Global options before the subcommand: the CRS dropped, logging kept, the command first (the runner reads args[0]).
    expect(delegated(['-v', '-c', '/crs', 'prove', '-b', 'p.json', '-w', 'w.gz', '-k', 'vk']).args).toEqual([
      'prove', '-v', '-b', '{in:bytecode.json}', '-w', '{in:witness.gz}', '-k', '{in:vk}', '-o', '{out}',
    ]);
  });

  it('makes bb defaults explicit and resolves relative paths against the working directory', () => {
    const call = delegated(['prove', '-t', 'noir-recursive']);
    expect(call.args).toEqual(['prove', '-t', 'noir-recursive', '-b', '{in:bytecode.json}', '-w', '{in:witness.gz}', '-k', '{in:vk}', '-o', '{out}']);
    expect(call.inputs).toEqual({
      'bytecode.json': `${cwd}/target/program.json`,
      'witness.gz': `${cwd}/target/witness.gz`,
      vk: `${cwd}/target/vk`,
    });
    expect(call.outDir).toBe(`${cwd}/out`);
  });

  it('--write_vk: no vk input (bb computes it and ignores -k), vk and vk_hash are outputs', () => {
    const call = delegated(['prove', '-b', 'p.json', '-w', 'w.gz', '-k', 'missing-vk', '--write_vk', '-o', 'o']);
    expect(Object.keys(call.inputs)).toEqual(['bytecode.json', 'witness.gz']);
    expect(call.args).not.toContain('-k');
    expect(call.outputs.map((o) => o.name)).toEqual(['proof', 'public_inputs', 'vk', 'vk_hash']);
  });

  it('--output_format json: bb writes .json files', () => {
    expect(delegated(['prove', '--output_format', 'json', '--write_vk', '-b', 'p.json', '-w', 'w.gz']).outputs.map((o) => o.name)).toEqual([
      'proof.json',
      'public_inputs.json',
      'vk.json',
    ]);
  });

  it('bench/profile files outside -o are written remotely under {out} and copied back to their paths', () => {
    const call = delegated(['prove', '-b', 'p.json', '-w', 'w.gz', '-k', 'vk', '--bench_out_hierarchical', 'bench/h.json', '--memory_profile_out=/m.json']);
    expect(call.args).toContain('{out}/bench_out_hierarchical');
    expect(call.args).toContain('{out}/memory_profile_out');
    expect(call.optionalOutputs).toEqual([
      { name: 'bench_out_hierarchical', path: `${cwd}/bench/h.json` },
      { name: 'memory_profile_out', path: '/m.json' },
    ]);
  });

  it.each([
    ['help', ['prove', '--help'], undefined],
    ['extended help', ['prove', '--help-extended'], undefined],
    ['global help before the command', ['-h', 'prove'], undefined],
    ['an option bb-remote does not know', ['prove', '--frobnicate', '-b', 'p.json'], 'unknown option --frobnicate'],
    ['a missing value', ['prove', '-b'], '-b needs a value'],
    ['a stray positional argument', ['prove', 'p.json'], 'unexpected argument "p.json"'],
    ['chonk (client IVC) proofs', ['prove', '--scheme', 'chonk', '--ivc_inputs_path', 'x'], 'unknown option --ivc_inputs_path'],
    ['a scheme other than ultra_honk', ['prove', '-s', 'avm'], 'scheme avm is not delegated (only ultra_honk)'],
    ['an option given twice', ['prove', '-b', 'a.json', '-b', 'b.json'], '-b is given twice'],
    ['a bad output format', ['prove', '--output_format', 'xml'], '--output_format xml is not one bb knows'],
  ])('%s → runs the real bb (bb 5 and bb 4.1.2 alike)', (_name, argv, note) => {
    for (const bbVersion of [BB5, BB4]) {
      const parsed = parseBbCall(argv, { delegate: DELEGATE, cwd, bbVersion });
      expect(parsed.kind).toBe('pass-through');
      if (parsed.kind === 'pass-through') expect(parsed.note).toBe(note);
    }
  });

  it('commands outside the delegated set pass through without a note', () => {
    for (const argv of [['--version'], [], ['gates', '-b', 'p.json'], ['write_vk', '-b', 'p.json'], ['verify', '-p', 'proof']]) {
      expect(parseBbCall(argv, { delegate: DELEGATE, cwd, bbVersion: BB5 })).toEqual({ kind: 'pass-through', command: argv[0]?.startsWith('-') ? undefined : argv[0] });
    }
    expect(parseBbCall(['prove', '-b', 'p.json'], { delegate: ['avm_prove'], cwd, bbVersion: BB5 })).toEqual({ kind: 'pass-through', command: 'prove' });
  });
});

describe("parseBbCall: bb 4.1.2's command line (Aztec 4.1.2's bb)", () => {
  // @aztec/bb-prover 4.1.2 BBNativeRollupProver → generateProof: the file names are the artifact's.
  const padding = [
    'prove', '--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--ipa_accumulation', '--disable_zk',
    '-o', '/tmp/bb-1', '-b', '/tmp/bb-1/CheckpointPaddingRollupArtifact-bytecode', '-k', '/tmp/bb-1/CheckpointPaddingRollupArtifact-vk',
    '-w', '/tmp/bb-1/partial-witness.gz', '-v',
  ];

  it("delegates Aztec 4.1.2's prove calls exactly as under bb 5, on the circuit's class", () => {
    const call = delegated(padding, DELEGATE, BB4);
    expect(call).toEqual(delegated(padding, DELEGATE, BB5));
    expect(call.args).toEqual([
      'prove', '--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--ipa_accumulation', '--disable_zk',
      '-o', '{out}', '-b', '{in:bytecode}', '-k', '{in:vk}', '-w', '{in:witness.gz}', '-v',
    ]);
    expect(call.inputs).toEqual({
      bytecode: '/tmp/bb-1/CheckpointPaddingRollupArtifact-bytecode',
      vk: '/tmp/bb-1/CheckpointPaddingRollupArtifact-vk',
      'witness.gz': '/tmp/bb-1/partial-witness.gz',
    });
    expect(resourceClassFor(call)).toBe('small');
    const parity = delegated(['prove', '--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--disable_zk', '-o', '/p', '-b', '/p/ParityBaseArtifact-bytecode', '-k', '/p/ParityBaseArtifact-vk', '-w', '/p/partial-witness.gz'], DELEGATE, BB4);
    expect(resourceClassFor(parity)).toBe('medium');
  });

  it("bb 4.1.2 has the same defaults and outputs as bb 5 (measured: ./target/program.json, ./target/witness.gz, ./target/vk, ./out)", () => {
    for (const argv of [['prove', '--ipa_accumulation'], ['prove', '--write_vk', '-k', 'ignored'], ['prove', '--output_format', 'json', '--write_vk'], ['avm_prove', '--avm-inputs', 'a.bin']]) {
      expect(delegated(argv, DELEGATE, BB4)).toEqual(delegated(argv, DELEGATE, BB5));
    }
  });

  it("bb 5.0.0's profiling outputs are not bb 4.1.2 options: under 4.1.2 they go to the real bb, which rejects them", () => {
    for (const option of ['--memory_profile_out', '--trace_out_perfetto', '--trace_out_perfetto_aggregate']) {
      const argv = ['prove', '-b', 'p.json', '-w', 'w.gz', '-k', 'vk', option, 'profile.json'];
      expect(delegated(argv, DELEGATE, BB5).optionalOutputs.map((o) => o.path)).toEqual([`${cwd}/profile.json`]);
      expect(parseBbCall(argv, { delegate: DELEGATE, cwd, bbVersion: BB4 })).toEqual({ kind: 'pass-through', command: 'prove', note: `unknown option ${option}` });
    }
  });

  it('a bb line without option tables is not delegated, and the note says which lines bb-remote knows', () => {
    for (const bbVersion of ['3.0.0', '6.1.0', 'nightly']) {
      const parsed = parseBbCall(padding, { delegate: DELEGATE, cwd, bbVersion });
      expect(parsed).toEqual({ kind: 'pass-through', command: 'prove', note: `bb-remote has no option table for bb ${bbVersion} (it knows bb 4.1.2, ${BB5})` });
    }
    expect(bbCommandLineFor('4.1.2')?.measuredOn).toBe('4.1.2');
    expect(bbCommandLineFor('5.0.0')?.measuredOn).toBe(BB5);
  });
});

describe('the bin/bb-remote shim decides like bbSubcommand', () => {
  // The shim execs the real bb itself for commands it does not delegate (no Node start). Which way it went is
  // visible from outside: the stand-in "real bb" prints REAL-BB; the Node side, given an invalid
  // BB_REMOTE_MODE (which bash never reads), fails on its configuration.
  const shim = join(process.cwd(), 'bin', 'bb-remote');
  const env = { PATH: process.env['PATH'] ?? '', BB_REMOTE_REAL_BB: '/bin/echo', BB_REMOTE_MODE: 'nonsense' };
  it.each([
    [['prove', '-b', 'x']],
    [['-v', 'prove']],
    [['-c', 'prove', 'gates']],
    [['--crs_path', '/crs', '-d', 'avm_prove']],
    [['--crs_path=/crs', 'prove']],
    [['gates', 'prove']],
    [['--version']],
    [[]],
  ])('%j', (argv) => {
    const result = spawnSync(shim, argv, { env, encoding: 'utf8' });
    const tookNode = result.stderr.includes('bb-remote: invalid configuration');
    const command = bbSubcommand(argv);
    expect(tookNode).toBe(command === 'prove' || command === 'avm_prove');
    if (!tookNode) expect(result.status).toBe(0); // /bin/echo ran
  });
});

describe('resource classes', () => {
  it('maps Aztec circuit bytecode names to their class; unknown names use the default job definition', () => {
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/rollup-root-bytecode' })).toBe('large');
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/parity-base-bytecode' })).toBe('medium');
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/program.json' })).toBeUndefined();
    // Aztec 4.1.2's bb-prover names the file after the artifact; Aztec's own map gives the circuit.
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/RootRollupArtifact-bytecode' })).toBe('large');
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/PublicChonkVerifier-bytecode' })).toBe('medium');
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/TxMergeRollupArtifact-bytecode' })).toBe('small');
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/PrivateKernelInitArtifact-bytecode' })).toBeUndefined();
    expect(resourceClassFor({ command: 'prove', bytecodePath: '/w/rollup-root-bytecode' }, 'medium')).toBe('medium');
    const config = { jobDefinition: 'prover-default', jobDefinitions: { large: 'prover-large' } };
    expect(jobDefinitionFor('large', config)).toBe('prover-large');
    expect(jobDefinitionFor('small', config)).toBe('prover-default');
    expect(jobDefinitionFor(undefined, config)).toBe('prover-default');
    expect(() => jobDefinitionFor('small', { jobDefinition: undefined, jobDefinitions: { large: 'x' } })).toThrow(/no job definition for resource class small/);
  });
});
