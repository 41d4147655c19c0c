/**
 * Deploys the devnet L1 contracts with viem: the HonkVerifier's linked libraries (none for an `--optimized`
 * verifier), the verifier, then DevnetRollup pointing at it. Each deployment waits for its receipt before the
 * next, so nonces and library addresses are settled in order.
 */
import type { Abi, Address, Hash, Hex } from 'viem';
import { deployContract, waitForTransactionReceipt } from 'viem/actions';
import { InputError } from '../../errors.ts';
import { L1TransactionRevertedError, toL1Error } from '../../l1/errors.ts';
import type { L1WalletClient } from '../../l1/send-rollup-transaction.ts';
import { transportUrl } from '../../l1/send-rollup-transaction.ts';
import type { CompiledContract, CompiledContracts } from './compile-contracts.ts';
import { DEVNET_ROLLUP, HONK_VERIFIER, linkBytecode, requiredLibraries } from './compile-contracts.ts';

/** EIP-170 runtime code size limit. */
const MAX_CODE_SIZE = 24_576;

export interface DeployDevnetRollupParameters {
  /** Output of `compileDevnetContracts` (DevnetRollup + HonkVerifier [+ libraries]). */
  readonly contracts: CompiledContracts;
  /** The only address allowed to propose blocks. */
  readonly sequencer: Address;
  /** Archive before block 1, as the devnet state transition defines it (a BN254 field element). */
  readonly genesisArchive: Hex;
  /** Seconds after a proposal within which the block must be proven. */
  readonly proofWindowSeconds: bigint;
}

export interface DeployDevnetRollupReturnType {
  readonly rollup: Address;
  readonly verifier: Address;
  /** Deployed libraries by fully qualified name (`HonkVerifier.sol:RelationsLib`). */
  readonly libraries: Readonly<Record<string, Address>>;
  /** Sum over all deployment transactions. */
  readonly gasUsed: bigint;
  /** L1 block of the rollup's deployment (where log scans can start). */
  readonly deployBlock: bigint;
}

export type DeployDevnetRollupErrorType = InputError | L1TransactionRevertedError | ReturnType<typeof toL1Error>;

/**
 * @example
 * const contracts = await compileDevnetContracts({ verifierSource });
 * const { rollup } = await deployDevnetRollup(client, { contracts, sequencer, genesisArchive, proofWindowSeconds: 3600n });
 */
export async function deployDevnetRollup(
  client: L1WalletClient,
  params: DeployDevnetRollupParameters,
): Promise<DeployDevnetRollupReturnType> {
  const rollupArtifact = lookup(params.contracts, DEVNET_ROLLUP);
  const verifierArtifact = lookup(params.contracts, HONK_VERIFIER);
  for (const c of [rollupArtifact, verifierArtifact]) {
    if (c.deployedSize > MAX_CODE_SIZE) {
      throw new InputError(`${c.contractName} is ${c.deployedSize} bytes, above the EIP-170 limit of ${MAX_CODE_SIZE}`, {
        metaMessages: ['Generate the verifier with `bb write_solidity_verifier --optimized` or with linked libraries.'],
      });
    }
  }

  let gasUsed = 0n;
  const libraries: Record<string, Address> = {};
  const deploy = async (artifact: CompiledContract, args: readonly unknown[]) => {
    // Libraries first (recursively), so every placeholder has an address when the contract is linked.
    for (const lib of requiredLibraries(artifact)) {
      libraries[lib] ??= (await deploy(lookup(params.contracts, lib), [])).address;
    }
    const bytecode = linkBytecode(artifact, libraries);
    const label = `deploy ${artifact.contractName}`;
    let hash: Hash;
    try {
      hash = await deployContract(client, {
        abi: artifact.abi as Abi,
        bytecode,
        args,
        account: client.account,
        chain: client.chain,
      } as Parameters<typeof deployContract>[1]);
    } catch (err) {
      throw toL1Error(err, label, { url: transportUrl(client) });
    }
    const receipt = await waitForTransactionReceipt(client, { hash }).catch((err: unknown) => {
      throw toL1Error(err, `${label} (waiting for ${hash})`, { url: transportUrl(client) });
    });
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new L1TransactionRevertedError(label, hash);
    gasUsed += receipt.gasUsed;
    return { address: receipt.contractAddress, blockNumber: receipt.blockNumber };
  };

  const verifier = await deploy(verifierArtifact, []);
  const rollup = await deploy(rollupArtifact, [
    verifier.address,
    params.sequencer,
    params.genesisArchive,
    params.proofWindowSeconds,
  ]);
  return { rollup: rollup.address, verifier: verifier.address, libraries, gasUsed, deployBlock: rollup.blockNumber };
}

function lookup(contracts: CompiledContracts, name: string): CompiledContract {
  const c = contracts[name];
  if (!c) {
    throw new InputError(`compiled contracts have no ${name}`, {
      metaMessages: [`available: ${Object.keys(contracts).join(', ')}`],
    });
  }
  return c;
}
