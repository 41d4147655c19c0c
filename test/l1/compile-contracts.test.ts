import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AbiItem, AbiParameter } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../lib/errors.ts';
import { devnetRollupAbi } from '../../lib/l1/abi.ts';
import {
  DEVNET_ROLLUP,
  SolidityCompileError,
  compileContracts,
  compileDevnetContracts,
  devnetRollupSources,
  linkBytecode,
  requiredLibraries,
} from '../../lib/protocols/devnet/compile-contracts.ts';

const dirs: string[] = [];
async function freshCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'solc-cache-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// Everything that matters for encoding and decoding: kind, name, parameter types/names/indexing, mutability.
const param = (p: AbiParameter): string =>
  `${p.type}${'components' in p && p.components ? `(${p.components.map(param).join(',')})` : ''}${'indexed' in p && p.indexed ? ' indexed' : ''} ${p.name ?? ''}`;
const signatures = (abi: readonly AbiItem[]) =>
  abi
    .map((item) => {
      const inputs = 'inputs' in item ? item.inputs.map(param).join(', ') : '';
      const outputs = 'outputs' in item ? ` returns (${item.outputs.map(param).join(', ')})` : '';
      const mutability = 'stateMutability' in item ? ` ${item.stateMutability}` : '';
      return `${item.type} ${'name' in item ? item.name : ''}(${inputs})${mutability}${outputs}`;
    })
    .sort();

describe('compileContracts', () => {
  it('behavior: the typed ABI in lib/l1/abi.ts matches what solc compiles from DevnetRollup.sol', async () => {
    const contracts = await compileContracts({ sources: await devnetRollupSources(), cacheDir: await freshCache() });
    const rollup = contracts[DEVNET_ROLLUP]!;
    expect(signatures(devnetRollupAbi as readonly AbiItem[])).toEqual(signatures(rollup.abi as readonly AbiItem[]));
    expect(rollup.deployedSize).toBeGreaterThan(0);
    expect(rollup.deployedSize).toBeLessThan(24_576);
  });

  it('behavior: identical input is served from the cache, keyed by source hash', async () => {
    const cacheDir = await freshCache();
    const sources = { 'A.sol': 'pragma solidity ^0.8.0; contract A { function f() external pure returns (uint) { return 1; } }' };
    const first = await compileContracts({ sources, cacheDir });
    const second = await compileContracts({ sources, cacheDir });
    expect(second).toEqual(first);
    expect(await readdir(join(cacheDir, 'solc'))).toHaveLength(1);
    await compileContracts({ sources: { 'A.sol': sources['A.sol'].replace('return 1', 'return 2') }, cacheDir });
    expect(await readdir(join(cacheDir, 'solc'))).toHaveLength(2);
  });

  it('behavior: a compile error fails with SolidityCompileError quoting solc', async () => {
    const err = await compileContracts({ sources: { 'Bad.sol': 'contract Bad { function }' }, cacheDir: await freshCache() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SolidityCompileError);
    expect((err as Error).message).toContain('Bad.sol');
  });

  it('behavior: linking fills every library placeholder and refuses a missing library', async () => {
    const sources = {
      'L.sol': 'pragma solidity ^0.8.0; library L { function g(uint x) public pure returns (uint) { return x + 1; } }',
      'C.sol': 'pragma solidity ^0.8.0; import "./L.sol"; contract C { function f() external pure returns (uint) { return L.g(1); } }',
    };
    const contracts = await compileContracts({ sources, cacheDir: await freshCache() });
    const c = contracts['C.sol:C']!;
    expect(requiredLibraries(c)).toEqual(['L.sol:L']);
    expect(c.bytecode).toContain('__$');

    const linked = linkBytecode(c, { 'L.sol:L': '0x00000000000000000000000000000000000000AA' });
    expect(linked).not.toContain('__$');
    expect(linked).toContain('00000000000000000000000000000000000000aa');
    expect(() => linkBytecode(c, {})).toThrow(InputError);
  });

  it('behavior: a verifier source without HonkVerifier is refused', async () => {
    await expect(compileDevnetContracts({ verifierSource: 'contract Other {}' })).rejects.toBeInstanceOf(InputError);
  });
});
