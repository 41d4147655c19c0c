/**
 * The devnet's L1 adapter for the pipeline (lib/pipeline/rollup-view.ts): the DevnetRollup actions behind the
 * profile-neutral ports that Plan, Submit and the poller use.
 */
import type { Address, Chain, Client, Transport } from 'viem';
import { getTransactionCount } from 'viem/actions';
import type { RollupSubmitter, RollupView } from '../pipeline/rollup-view.ts';
import { getBlockProposal } from './get-block-proposal.ts';
import { getProvingDeadline } from './get-proving-deadline.ts';
import { readTips } from './read-tips.ts';
import { parsePublicInputsFile } from './root-public-inputs.ts';
import { toL1Error } from './errors.ts';
import { submitRootProof } from './submit-root-proof.ts';
import type { L1WalletClient } from './send-rollup-transaction.ts';

export function devnetRollupView(client: Client<Transport, Chain | undefined>, address: Address): RollupView {
  return {
    readTips: () => readTips(client, { address }),
    async blockProposal(blockNumber) {
      const { effectsHash, archive } = await getBlockProposal(client, { address, blockNumber });
      return { effectsHash, archive };
    },
  };
}

export function devnetRollupSubmitter(wallet: L1WalletClient, address: Address): RollupSubmitter {
  return {
    ...devnetRollupView(wallet, address),
    async secondsLeftToProve(fromBlock) {
      return (await getProvingDeadline(wallet, { address, blockNumber: fromBlock })).secondsLeft;
    },
    async hasPendingTransaction() {
      try {
        const [pending, latest] = await Promise.all([
          getTransactionCount(wallet, { address: wallet.account.address, blockTag: 'pending' }),
          getTransactionCount(wallet, { address: wallet.account.address, blockTag: 'latest' }),
        ]);
        return pending > latest;
      } catch (err) {
        throw toL1Error(err, 'getTransactionCount');
      }
    },
    async submitRootProof({ fromBlock, toBlock, publicInputs, proof }) {
      const sent = await submitRootProof(wallet, { address, fromBlock, toBlock, publicInputs: parsePublicInputsFile(publicInputs), proof });
      return { transactionHash: sent.transactionHash, gasUsed: sent.gasUsed, l1Block: sent.receipt.blockNumber };
    },
  };
}
