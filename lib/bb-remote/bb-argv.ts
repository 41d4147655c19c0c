/**
 * bb's command line, as far as bb-remote needs it: which subcommand a call runs and, for the commands it
 * delegates (`prove`, `avm_prove`), which arguments are input files, where bb writes its outputs and which
 * files it writes. bb-remote parses the command line of the bb it fronts, so there is one option table per bb
 * line (`bb <command> --help-extended` of each, BB_COMMAND_LINES below); parsing follows CLI11 (`--name value`,
 * `--name=value`, `-n value`, `-nvalue`).
 *
 * Anything this model does not cover exactly (help, an option the fronted bb does not have, a scheme other
 * than ultra_honk, a missing value, a bb line without a table) is not delegated: the real bb runs it and
 * answers as bb does. Pure: no file system access; paths are resolved against the caller's `cwd`.
 */
import { extname, isAbsolute, join, resolve } from 'node:path';

/** The commands bb-remote knows how to run remotely. */
export const DELEGABLE_COMMANDS = ['prove', 'avm_prove'] as const;
export type DelegableCommand = (typeof DELEGABLE_COMMANDS)[number];

export function isDelegableCommand(command: string): command is DelegableCommand {
  return (DELEGABLE_COMMANDS as readonly string[]).includes(command);
}

type OptionKind =
  /** No value. */
  | 'flag'
  /** A value passed on as is. */
  | 'value'
  /** A file bb reads: uploaded, replaced by `{in:NAME}`. */
  | 'input'
  /** The directory bb writes its outputs to: replaced by `{out}`. */
  | 'outdir'
  /** A file bb writes outside the output directory (bench/profile data): `{out}/NAME`, copied back. */
  | 'outfile'
  /** The CRS directory: dropped, the prover image carries the CRS. */
  | 'crs'
  /** Help: never delegated. */
  | 'help';

interface OptionSpec {
  readonly names: readonly string[];
  readonly kind: OptionKind;
  /** Input role or output file name (input/outfile). */
  readonly role?: string;
}

const LOGGING: readonly OptionSpec[] = [
  { names: ['-v', '--verbose', '--verbose_logging'], kind: 'flag' },
  { names: ['-d', '--debug_logging'], kind: 'flag' },
  { names: ['-c', '--crs_path'], kind: 'crs' },
];
const HELP: readonly OptionSpec[] = [{ names: ['-h', '--help', '--help-extended'], kind: 'help' }];

/** bb options accepted before the subcommand. */
const GLOBAL_OPTIONS: readonly OptionSpec[] = [...LOGGING, ...HELP, { names: ['--version'], kind: 'help' }];

/** Options of `bb prove` that bb 4.1.2 and bb 5.0.0 share (measured: `bb prove --help-extended` of both). */
const PROVE_COMMON: readonly OptionSpec[] = [
  ...HELP,
  ...LOGGING,
  { names: ['-b', '--bytecode_path'], kind: 'input', role: 'bytecode' },
  { names: ['-w', '--witness_path'], kind: 'input', role: 'witness' },
  { names: ['-k', '--vk_path'], kind: 'input', role: 'vk' },
  { names: ['-o', '--output_path'], kind: 'outdir' },
  { names: ['-t', '--verifier_target'], kind: 'value' },
  { names: ['-s', '--scheme'], kind: 'value' },
  { names: ['--output_format'], kind: 'value' },
  { names: ['--vk_policy'], kind: 'value' },
  { names: ['--oracle_hash'], kind: 'value' },
  { names: ['--storage_budget'], kind: 'value' },
  { names: ['--write_vk'], kind: 'flag' },
  { names: ['--verify'], kind: 'flag' },
  { names: ['--ipa_accumulation'], kind: 'flag' },
  { names: ['--disable_zk'], kind: 'flag' },
  { names: ['--slow_low_memory'], kind: 'flag' },
  { names: ['--print_bench'], kind: 'flag' },
  { names: ['--bench_out'], kind: 'outfile', role: 'bench_out' },
  { names: ['--bench_out_hierarchical'], kind: 'outfile', role: 'bench_out_hierarchical' },
];

/** `bb avm_prove --help`: the same in 4.1.2 and 5.0.0 (logging options are accepted after the command too). */
const AVM_PROVE: readonly OptionSpec[] = [
  ...HELP,
  ...LOGGING,
  { names: ['--avm-inputs'], kind: 'input', role: 'avm_inputs' },
  { names: ['-o', '--output_path'], kind: 'outdir' },
];

/** One bb line's command line: the delegable commands' options and the paths bb uses when they are left out. */
export interface BbCommandLine {
  /** The version the tables were measured on. */
  readonly measuredOn: string;
  readonly options: Readonly<Record<DelegableCommand, readonly OptionSpec[]>>;
  readonly defaults: Readonly<Record<DelegableCommand, Readonly<Record<string, string>>>>;
}

/**
 * bb's defaults for options left out (measured with both bb 4.1.2 and 5.0.0: `bb prove` alone reads
 * ./target/program.json, ./target/witness.gz and ./target/vk and writes to ./out). The remote bb runs in
 * another directory, so bb-remote makes them explicit.
 */
const DEFAULT_PATHS: BbCommandLine['defaults'] = {
  prove: { bytecode: './target/program.json', witness: './target/witness.gz', vk: './target/vk', out: './out' },
  avm_prove: { out: './out' },
};

/**
 * Option tables by bb major version. 5.0.0 adds three profiling outputs to `prove` that 4.1.2 does not have
 * (4.1.2 rejects them: "The following argument was not expected"), so under 4.1.2 they pass through to the
 * real bb, which answers that. Everything else bb-remote models is the same in both (also `verify`, `gates`,
 * `write_vk` but for 5.0.0's chonk-only `--use_zk_flavor`, which are passed through anyway).
 */
const BB_COMMAND_LINES: Readonly<Record<string, BbCommandLine>> = {
  '4': { measuredOn: '4.1.2', options: { prove: PROVE_COMMON, avm_prove: AVM_PROVE }, defaults: DEFAULT_PATHS },
  '5': {
    measuredOn: '5.0.0-nightly.20260710',
    options: {
      prove: [
        ...PROVE_COMMON,
        { names: ['--memory_profile_out'], kind: 'outfile', role: 'memory_profile_out' },
        { names: ['--trace_out_perfetto'], kind: 'outfile', role: 'trace_out_perfetto' },
        { names: ['--trace_out_perfetto_aggregate'], kind: 'outfile', role: 'trace_out_perfetto_aggregate' },
      ],
      avm_prove: AVM_PROVE,
    },
    defaults: DEFAULT_PATHS,
  },
};

/** The option tables for a bb version (`bb --version` output), by its major version; undefined for a line bb-remote has no table for. */
export function bbCommandLineFor(bbVersion: string): BbCommandLine | undefined {
  const major = /^(\d+)\./.exec(bbVersion)?.[1];
  return major === undefined ? undefined : BB_COMMAND_LINES[major];
}

/** The option bb-remote adds for a defaulted path (the short names bb-prover uses). */
const ROLE_OPTION: Readonly<Record<string, string>> = {
  bytecode: '-b',
  witness: '-w',
  vk: '-k',
  out: '-o',
};

interface OutputFile {
  /** File name in the remote output directory (and the job's output name). */
  readonly name: string;
  /** Where bb would have written it here (absolute). */
  readonly path: string;
}

/** A call bb-remote runs remotely. */
export interface DelegatedCall {
  readonly command: DelegableCommand;
  /**
   * The job's bb arguments: the caller's, in order, with input files as `{in:NAME}`, the output directory as
   * `{out}`, the CRS option dropped and bb's path defaults made explicit.
   */
  readonly args: readonly string[];
  /** Input name (role + the file's extension, which bb reads: `.json` bytecode vs raw) → local path. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Output directory here (absolute). */
  readonly outDir: string;
  /** Files bb always writes for this call. */
  readonly outputs: readonly OutputFile[];
  /** Files bb writes depending on its version or build (copied back only when the remote bb wrote them). */
  readonly optionalOutputs: readonly OutputFile[];
  /** The bytecode file, for choosing a resource class by circuit name. */
  readonly bytecodePath?: string;
}

export type BbCall =
  /** Run the real bb with the arguments unchanged. `note` says why a delegable command was not delegated. */
  | { readonly kind: 'pass-through'; readonly command: string | undefined; readonly note?: string }
  | { readonly kind: 'delegate'; readonly call: DelegatedCall };

export interface ParseBbCallOptions {
  /** Commands to delegate (a subset of DELEGABLE_COMMANDS). */
  readonly delegate: readonly string[];
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** `bb --version` of the bb bb-remote fronts: picks the option tables. */
  readonly bbVersion: string;
}

interface Token {
  readonly spec: OptionSpec;
  /** As the caller spelled it. */
  readonly name: string;
  readonly value?: string;
}

type Scan = { readonly ok: true; readonly tokens: readonly Token[]; readonly next: number } | { readonly ok: false; readonly note?: string };

/** Classifies a bb command line: pass it through, or delegate it (with the job's arguments and files). */
export function parseBbCall(argv: readonly string[], options: ParseBbCallOptions): BbCall {
  const global = scanOptions(argv, 0, GLOBAL_OPTIONS, { stopAtPositional: true });
  if (!global.ok) return { kind: 'pass-through', command: undefined };
  const command = argv[global.next];
  if (command === undefined || !options.delegate.includes(command) || !isDelegableCommand(command)) {
    return { kind: 'pass-through', command };
  }
  const notDelegated = (note: string | undefined): BbCall => ({ kind: 'pass-through', command, ...(note === undefined ? {} : { note }) });
  if (global.tokens.some((t) => t.spec.kind === 'help')) return notDelegated(undefined);
  const commandLine = bbCommandLineFor(options.bbVersion);
  if (commandLine === undefined) {
    return notDelegated(`bb-remote has no option table for bb ${options.bbVersion} (it knows bb ${Object.values(BB_COMMAND_LINES).map((c) => c.measuredOn).join(', ')})`);
  }
  const local = scanOptions(argv, global.next + 1, commandLine.options[command], { stopAtPositional: false });
  if (!local.ok) return notDelegated(local.note);
  const tokens = [...global.tokens, ...local.tokens];
  if (tokens.some((t) => t.spec.kind === 'help')) return notDelegated(undefined);

  const seen = new Set<OptionSpec>();
  for (const token of tokens) {
    if (seen.has(token.spec) && token.spec.kind !== 'flag') return notDelegated(`${token.name} is given twice`);
    seen.add(token.spec);
  }
  const valueOf = (name: string): string | undefined => tokens.find((t) => t.spec.names.includes(name))?.value;
  const has = (name: string): boolean => tokens.some((t) => t.spec.names.includes(name));

  const scheme = valueOf('--scheme');
  if (scheme !== undefined && scheme !== 'ultra_honk') return notDelegated(`scheme ${scheme} is not delegated (only ultra_honk)`);
  const format = valueOf('--output_format') ?? 'binary';
  if (format !== 'binary' && format !== 'json') return notDelegated(`--output_format ${format} is not one bb knows`);
  const writeVk = has('--write_vk');

  const abs = (path: string): string => (isAbsolute(path) ? path : resolve(options.cwd, path));
  const inputs: Record<string, string> = {};
  const addInput = (role: string, path: string): string => {
    const name = `${role}${safeExtension(path)}`;
    inputs[name] = abs(path);
    return `{in:${name}}`;
  };
  // bb reads -k only when it does not compute the vk itself (--write_vk): measured, a missing -k file is
  // ignored with --write_vk. Leaving it out then saves an upload and keeps the job id independent of it.
  const skipRole = (role: string | undefined): boolean => role === 'vk' && writeVk;

  const args: string[] = [command];
  const outfiles: OutputFile[] = [];
  let outDirArg: string | undefined;
  const given = new Set<string>();
  for (const token of tokens) {
    const { spec, name, value } = token;
    switch (spec.kind) {
      case 'crs':
        break;
      case 'flag':
        args.push(name);
        break;
      case 'value':
        args.push(name, value!);
        break;
      case 'input':
        given.add(spec.role!);
        if (!skipRole(spec.role)) args.push(name, addInput(spec.role!, value!));
        break;
      case 'outdir':
        outDirArg = value!;
        args.push(name, '{out}');
        break;
      case 'outfile':
        outfiles.push({ name: spec.role!, path: abs(value!) });
        args.push(name, `{out}/${spec.role!}`);
        break;
      case 'help':
        break;
    }
  }
  const defaults = commandLine.defaults[command];
  for (const [role, path] of Object.entries(defaults)) {
    if (role === 'out') {
      if (outDirArg === undefined) {
        outDirArg = path;
        args.push(ROLE_OPTION.out!, '{out}');
      }
    } else if (!given.has(role) && !skipRole(role)) {
      args.push(ROLE_OPTION[role]!, addInput(role, path));
    }
  }
  if (outDirArg === undefined) return notDelegated('no output directory');
  const outDir = abs(outDirArg);
  const inDir = (name: string): OutputFile => ({ name, path: join(outDir, name) });

  let outputs: string[];
  let optionalOutputs: string[];
  if (command === 'prove') {
    outputs = format === 'json' ? ['proof.json', 'public_inputs.json', ...(writeVk ? ['vk.json'] : [])] : ['proof', 'public_inputs', ...(writeVk ? ['vk', 'vk_hash'] : [])];
    optionalOutputs = [];
  } else {
    // bb's AVM prover writes `proof`; versions that do not bake the AVM vk into the binary also write `vk`.
    outputs = ['proof'];
    optionalOutputs = ['vk'];
  }
  const bytecodeInput = Object.keys(inputs).find((n) => n.startsWith('bytecode'));
  return {
    kind: 'delegate',
    call: {
      command,
      args,
      inputs,
      outDir,
      outputs: outputs.map(inDir),
      // Bench/profile files are only written when bb gets that far; treat them like bb does, best effort.
      optionalOutputs: [...optionalOutputs.map(inDir), ...outfiles],
      ...(bytecodeInput === undefined ? {} : { bytecodePath: inputs[bytecodeInput]! }),
    },
  };
}

/**
 * The subcommand of a bb command line (the first argument after bb's global options), or undefined. The shim
 * bin/bb-remote makes the same decision in bash to exec the real bb without starting Node.
 */
export function bbSubcommand(argv: readonly string[]): string | undefined {
  const global = scanOptions(argv, 0, GLOBAL_OPTIONS, { stopAtPositional: true });
  return global.ok ? argv[global.next] : undefined;
}

function scanOptions(argv: readonly string[], start: number, specs: readonly OptionSpec[], mode: { stopAtPositional: boolean }): Scan {
  const tokens: Token[] = [];
  let i = start;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === '--' || !arg.startsWith('-') || arg === '-') {
      if (mode.stopAtPositional && arg !== '--') return { ok: true, tokens, next: i };
      return { ok: false, note: `unexpected argument ${JSON.stringify(arg)}` };
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg : arg.slice(0, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      name = arg.slice(0, 2);
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    }
    const spec = specs.find((s) => s.names.includes(name));
    if (spec === undefined) return { ok: false, note: `unknown option ${name}` };
    if (spec.kind === 'flag' || spec.kind === 'help') {
      if (inline !== undefined) return { ok: false, note: `${arg} is not a form bb-remote parses` };
      tokens.push({ spec, name });
      i += 1;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('-') && value.length > 1)) {
      return { ok: false, note: `${name} needs a value` };
    }
    tokens.push({ spec, name, value });
    i += inline === undefined ? 2 : 1;
  }
  return { ok: true, tokens, next: i };
}

/** The file's extension when it is a plain one (bb tells JSON bytecode from raw by `.json`). */
function safeExtension(path: string): string {
  const ext = extname(path);
  return /^\.[A-Za-z0-9_-]{1,16}$/.test(ext) ? ext : '';
}
