// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {IHonkVerifier} from "./IHonkVerifier.sol";

/// Layout of the devnet root proof's public inputs (as the bb `public_inputs` file lists them). bb 5.0.0 keeps
/// the 8 pairing-point limbs inside the proof, so the verifier takes exactly these values. Mirrored in
/// lib/l1/root-public-inputs.ts; change both together.
library RootPublicInputs {
    uint256 internal constant PREVIOUS_ARCHIVE = 0;
    uint256 internal constant END_ARCHIVE = 1;
    uint256 internal constant FROM_BLOCK = 2;
    uint256 internal constant TO_BLOCK = 3;
    uint256 internal constant PROVER_ID = 4;
    uint256 internal constant COUNT = 5;
}

/// A minimal rollup with Aztec's proving shape: a sequencer proposes blocks (tx effects commitment + the archive
/// after the block), provers prove contiguous ranges of pending blocks with one root proof that an EVM Honk
/// verifier checks, and the proven tip advances. Proofs must land within a window after proposal, like Aztec's
/// proof submission window; an expired pending chain can be pruned back to the proven tip.
contract DevnetRollup {
    struct BlockProposal {
        bytes32 effectsHash;
        bytes32 archive;
        uint64 proposedAt;
    }

    /// BN254 scalar field modulus: archives and effects hashes are circuit field elements, and a value the
    /// root circuit cannot output could never be proven (the chain would be stuck).
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IHonkVerifier public immutable verifier;
    /// Seconds after a block's proposal within which its proof must be submitted.
    uint64 public immutable proofWindow;
    address public immutable owner;
    address public sequencer;

    uint256 internal pendingBlock;
    uint256 internal provenBlock;
    /// Block 0 is genesis: only its archive is meaningful (the previous archive of block 1).
    mapping(uint256 blockNumber => BlockProposal) internal proposals;

    event BlockProposed(uint256 indexed blockNumber, bytes32 effectsHash, bytes32 archive);
    event L2ProofVerified(uint256 indexed fromBlock, uint256 indexed toBlock, bytes32 indexed proverId);
    event SequencerSet(address indexed sequencer);
    event Pruned(uint256 provenBlock, uint256 prunedPendingBlock);

    error ZeroAddress();
    error InvalidProofWindow();
    error NotOwner(address caller);
    error NotSequencer(address caller);
    error NotAFieldElement(bytes32 value);
    error WrongBlockNumber(uint256 expected, uint256 actual);
    error InvalidRange(uint256 fromBlock, uint256 toBlock);
    error AlreadyProven(uint256 fromBlock, uint256 provenBlock);
    error ProofGap(uint256 expectedFromBlock, uint256 fromBlock);
    error BlockNotProposed(uint256 blockNumber, uint256 pendingBlock);
    error ProofWindowExpired(uint256 blockNumber, uint256 deadline);
    error WrongPublicInputsLength(uint256 expected, uint256 actual);
    error WrongPreviousArchive(bytes32 expected, bytes32 actual);
    error WrongEndArchive(bytes32 expected, bytes32 actual);
    error WrongRange(uint256 expectedFromBlock, uint256 expectedToBlock, bytes32 actualFromBlock, bytes32 actualToBlock);
    error ProofRejected(bytes verifierError);
    error NothingToPrune();

    constructor(IHonkVerifier verifier_, address sequencer_, bytes32 genesisArchive, uint64 proofWindow_) {
        if (address(verifier_) == address(0) || sequencer_ == address(0)) revert ZeroAddress();
        if (proofWindow_ == 0) revert InvalidProofWindow();
        requireFieldElement(genesisArchive);
        verifier = verifier_;
        proofWindow = proofWindow_;
        owner = msg.sender;
        sequencer = sequencer_;
        proposals[0] = BlockProposal({effectsHash: bytes32(0), archive: genesisArchive, proposedAt: uint64(block.timestamp)});
        emit SequencerSet(sequencer_);
    }

    function setSequencer(address sequencer_) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (sequencer_ == address(0)) revert ZeroAddress();
        sequencer = sequencer_;
        emit SequencerSet(sequencer_);
    }

    /// Tips like Aztec's Rollup: the last proposed and the last proven block.
    function getTips() external view returns (uint256 pending, uint256 proven) {
        return (pendingBlock, provenBlock);
    }

    /// `blockNumber` must be pending + 1: a retried proposal cannot append the same block twice.
    function proposeBlock(uint256 blockNumber, bytes32 effectsHash, bytes32 archive) external {
        if (msg.sender != sequencer) revert NotSequencer(msg.sender);
        if (blockNumber != pendingBlock + 1) revert WrongBlockNumber(pendingBlock + 1, blockNumber);
        requireFieldElement(effectsHash);
        requireFieldElement(archive);
        proposals[blockNumber] =
            BlockProposal({effectsHash: effectsHash, archive: archive, proposedAt: uint64(block.timestamp)});
        pendingBlock = blockNumber;
        emit BlockProposed(blockNumber, effectsHash, archive);
    }

    /// Genesis (block 0) is returned too, with a zero effects hash.
    function getBlockProposal(uint256 blockNumber) external view returns (BlockProposal memory) {
        if (blockNumber > pendingBlock) revert BlockNotProposed(blockNumber, pendingBlock);
        return proposals[blockNumber];
    }

    /// Last L1 timestamp at which a proof covering `blockNumber` is accepted.
    function provingDeadline(uint256 blockNumber) public view returns (uint256) {
        if (blockNumber == 0 || blockNumber > pendingBlock) revert BlockNotProposed(blockNumber, pendingBlock);
        return uint256(proposals[blockNumber].proposedAt) + proofWindow;
    }

    /// Proves blocks fromBlock..toBlock (inclusive) with one root proof. Checks are ordered cheapest first and
    /// all happen before the (≈0.5M+ gas) verifier call.
    function submitRootProof(uint256 fromBlock, uint256 toBlock, bytes32[] calldata publicInputs, bytes calldata proof)
        external
    {
        if (fromBlock == 0 || toBlock < fromBlock) revert InvalidRange(fromBlock, toBlock);
        if (fromBlock <= provenBlock) revert AlreadyProven(fromBlock, provenBlock);
        if (fromBlock != provenBlock + 1) revert ProofGap(provenBlock + 1, fromBlock);
        if (toBlock > pendingBlock) revert BlockNotProposed(toBlock, pendingBlock);
        // Proposals are in time order, so the first block of the range has the earliest deadline.
        uint256 deadline = provingDeadline(fromBlock);
        if (block.timestamp > deadline) revert ProofWindowExpired(fromBlock, deadline);

        if (publicInputs.length != RootPublicInputs.COUNT) {
            revert WrongPublicInputsLength(RootPublicInputs.COUNT, publicInputs.length);
        }
        bytes32 previousArchive = proposals[fromBlock - 1].archive;
        if (publicInputs[RootPublicInputs.PREVIOUS_ARCHIVE] != previousArchive) {
            revert WrongPreviousArchive(previousArchive, publicInputs[RootPublicInputs.PREVIOUS_ARCHIVE]);
        }
        bytes32 endArchive = proposals[toBlock].archive;
        if (publicInputs[RootPublicInputs.END_ARCHIVE] != endArchive) {
            revert WrongEndArchive(endArchive, publicInputs[RootPublicInputs.END_ARCHIVE]);
        }
        if (
            uint256(publicInputs[RootPublicInputs.FROM_BLOCK]) != fromBlock
                || uint256(publicInputs[RootPublicInputs.TO_BLOCK]) != toBlock
        ) {
            revert WrongRange(
                fromBlock, toBlock, publicInputs[RootPublicInputs.FROM_BLOCK], publicInputs[RootPublicInputs.TO_BLOCK]
            );
        }

        // The generated verifier reverts with its own errors (SumcheckFailed, ShpleminiFailed, ...) on most bad
        // proofs; wrap them so callers always see one named error, keeping the verifier's reason as data.
        try verifier.verify(proof, publicInputs) returns (bool ok) {
            if (!ok) revert ProofRejected("");
        } catch (bytes memory reason) {
            revert ProofRejected(reason);
        }

        provenBlock = toBlock;
        emit L2ProofVerified(fromBlock, toBlock, publicInputs[RootPublicInputs.PROVER_ID]);
    }

    /// Rolls the pending chain back to the proven tip once the first unproven block's window has passed, so the
    /// sequencer can re-propose instead of the chain being stuck on an unprovable block. Anyone may call it.
    function prune() external {
        if (pendingBlock == provenBlock || block.timestamp <= provingDeadline(provenBlock + 1)) revert NothingToPrune();
        uint256 pruned = pendingBlock;
        pendingBlock = provenBlock;
        emit Pruned(provenBlock, pruned);
    }

    function requireFieldElement(bytes32 value) internal pure {
        if (uint256(value) >= FIELD_MODULUS) revert NotAFieldElement(value);
    }
}
