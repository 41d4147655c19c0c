/**
 * Compiles the devnet's Solidity (DevnetRollup + the bb-generated Honk verifier) with solc-js, pinned to the
 * npm `solc` package (0.8.37), optimizer on, EVM cancun. Output is cached by a hash of compiler version, settings
 * and sources, because loading soljson and compiling the ~300 KB verifier costs tens of seconds of CPU.
 *
 * Libraries stay unlinked here (their addresses exist only after deployment): `linkBytecode` fills them in.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, Address, Hex } from 'viem';
import { isAddress } from 'viem';
import { InputError, ProverError } from '../../errors.ts';
import { devnetCacheRoot } from './cache-dir.ts';

/** The compiler the project pins; a different `solc` install would change bytecode, so it is part of the cache key. */
const SOLC_VERSION = '0.8.37';

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences', 'evm.deployedBytecode.object'] },
  },
} as const;

/** Where a library's 20-byte address goes in the bytecode (byte offsets), keyed by source then library name. */
export type LinkReferences = Readonly<
  Record<string, Readonly<Record<string, readonly { readonly start: number; readonly length: number }[]>>>
>;

export interface CompiledContract {
  /** Source unit name, e.g. `DevnetRollup.sol`. */
  readonly sourceName: string;
  readonly contractName: string;
  readonly abi: Abi;
  /** Creation bytecode; contains `__$…$__` placeholders while `linkReferences` is non-empty. */
  readonly bytecode: Hex;
  readonly linkReferences: LinkReferences;
  /** Runtime code size in bytes (EIP-170 limit: 24,576). */
  readonly deployedSize: number;
}

/** Contracts by fully qualified name `source:Contract`. */
export type CompiledContracts = Readonly<Record<string, CompiledContract>>;

export interface CompileContractsParameters {
  /** Source unit name → Solidity source. Relative imports resolve between these names. */
  readonly sources: Readonly<Record<string, string>>;
  /** Cache root (a `solc/` folder is used inside). @default devnetCacheRoot() (~/.cache/aztec-aws-prover) */
  readonly cacheDir?: string;
}

export class SolidityCompileError extends ProverError {
  override name = 'SolidityCompileError';
}

/**
 * Compiles `sources` (or returns the cached result for identical input).
 *
 * @example
 * const contracts = await compileContracts({ sources: { 'A.sol': 'contract A {}' } });
 * contracts['A.sol:A'].bytecode
 */
export async function compileContracts(params: CompileContractsParameters): Promise<CompiledContracts> {
  const input = { language: 'Solidity', sources: mapValues(params.sources, (content) => ({ content })), settings: SETTINGS };
  const key = createHash('sha256').update(SOLC_VERSION).update(JSON.stringify(input)).digest('hex');
  const cacheFile = join(params.cacheDir ?? devnetCacheRoot(), 'solc', `${key}.json`);

  const cached = await readFile(cacheFile, 'utf8').then(
    (text) => JSON.parse(text) as CompiledContracts,
    () => undefined,
  );
  if (cached) return cached;

  const contracts = await runSolc(input);
  await mkdir(dirname(cacheFile), { recursive: true });
  // Write-then-rename: a concurrent reader never sees a half-written cache entry.
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(contracts));
  await rename(tmp, cacheFile);
  return contracts;
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi: Abi;
        evm: {
          bytecode: { object: string; linkReferences: LinkReferences };
          deployedBytecode: { object: string };
        };
      }
    >
  >;
}

async function runSolc(input: object): Promise<CompiledContracts> {
  // Lazy: soljson is a large wasm/asm.js blob, only worth loading on a cache miss.
  const { default: solc } = (await import('solc')) as { default: { version(): string; compile(input: string): string } };
  if (!solc.version().startsWith(SOLC_VERSION)) {
    throw new SolidityCompileError(`solc-js ${solc.version()} is installed, the project pins ${SOLC_VERSION}`, {
      metaMessages: ['Reinstall dependencies from package-lock.json.'],
    });
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new SolidityCompileError(`solc ${SOLC_VERSION} failed with ${errors.length} error(s)`, {
      metaMessages: errors.map((e) => e.formattedMessage.trim()),
    });
  }
  const contracts: Record<string, CompiledContract> = {};
  for (const [sourceName, byName] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(byName)) {
      contracts[`${sourceName}:${contractName}`] = {
        sourceName,
        contractName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        linkReferences: c.evm.bytecode.linkReferences,
        deployedSize: c.evm.deployedBytecode.object.length / 2,
      };
    }
  }
  return contracts;
}

/** Fully qualified names (`source:Library`) of the libraries a contract must be linked against. */
export function requiredLibraries(contract: CompiledContract): string[] {
  return Object.entries(contract.linkReferences).flatMap(([source, libs]) => Object.keys(libs).map((l) => `${source}:${l}`));
}

/**
 * Replaces every library placeholder with its deployed address.
 *
 * @param libraries fully qualified library name (`source:Library`) → address
 * @throws InputError naming any library without an address
 */
export function linkBytecode(contract: CompiledContract, libraries: Readonly<Record<string, Address>>): Hex {
  let hex = contract.bytecode.slice(2);
  for (const [source, libs] of Object.entries(contract.linkReferences)) {
    for (const [lib, refs] of Object.entries(libs)) {
      const address = libraries[`${source}:${lib}`];
      if (!address || !isAddress(address)) {
        throw new InputError(`cannot link ${contract.contractName}: no address for library ${source}:${lib}`, {
          metaMessages: [`given: ${Object.keys(libraries).join(', ') || '(none)'}`],
        });
      }
      const addr = address.slice(2).toLowerCase();
      for (const { start, length } of refs) {
        hex = hex.slice(0, start * 2) + addr + hex.slice((start + length) * 2);
      }
    }
  }
  return `0x${hex}`;
}

/** Fully qualified names of the devnet's own contracts in `compileDevnetContracts` output. */
export const DEVNET_ROLLUP = 'DevnetRollup.sol:DevnetRollup';
export const HONK_VERIFIER = 'HonkVerifier.sol:HonkVerifier';

const CONTRACTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'contracts');

/** The rollup's own Solidity sources, keyed by source unit name. */
export async function devnetRollupSources(): Promise<Record<string, string>> {
  const names = ['DevnetRollup.sol', 'IHonkVerifier.sol'];
  const contents = await Promise.all(names.map((n) => readFile(join(CONTRACTS_DIR, n), 'utf8')));
  return Object.fromEntries(names.map((n, i) => [n, contents[i]!]));
}

export interface CompileDevnetContractsParameters {
  /** Solidity from `bb write_solidity_verifier` (single contract with `--optimized`, or contract + libraries). */
  readonly verifierSource: string;
  readonly cacheDir?: string;
}

/**
 * DevnetRollup plus a generated HonkVerifier, compiled together.
 *
 * @throws InputError when the verifier source has no `HonkVerifier` contract
 */
export async function compileDevnetContracts(params: CompileDevnetContractsParameters): Promise<CompiledContracts> {
  if (!/\bcontract\s+HonkVerifier\b/.test(params.verifierSource)) {
    throw new InputError('verifier source has no `contract HonkVerifier`', {
      metaMessages: ['Expected the output of `bb write_solidity_verifier -t evm`.'],
    });
  }
  const sources = { ...(await devnetRollupSources()), 'HonkVerifier.sol': params.verifierSource };
  return compileContracts({ sources, ...(params.cacheDir ? { cacheDir: params.cacheDir } : {}) });
}

function mapValues<T, U>(obj: Readonly<Record<string, T>>, fn: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}
