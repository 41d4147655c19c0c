/**
 * The DevnetRollup ABI as a typed constant, so viem infers argument and return types. It mirrors
 * lib/protocols/devnet/contracts/DevnetRollup.sol; test/l1 checks it against solc's output.
 */
import { parseAbi } from 'viem';

export const devnetRollupAbi = parseAbi([
  'constructor(address verifier_, address sequencer_, bytes32 genesisArchive, uint64 proofWindow_)',
  'function verifier() view returns (address)',
  'function proofWindow() view returns (uint64)',
  'function owner() view returns (address)',
  'function sequencer() view returns (address)',
  'function setSequencer(address sequencer_)',
  'function getTips() view returns (uint256 pending, uint256 proven)',
  'function proposeBlock(uint256 blockNumber, bytes32 effectsHash, bytes32 archive)',
  'struct BlockProposal { bytes32 effectsHash; bytes32 archive; uint64 proposedAt; }',
  'function getBlockProposal(uint256 blockNumber) view returns (BlockProposal)',
  'function provingDeadline(uint256 blockNumber) view returns (uint256)',
  'function submitRootProof(uint256 fromBlock, uint256 toBlock, bytes32[] publicInputs, bytes proof)',
  'function prune()',
  'event BlockProposed(uint256 indexed blockNumber, bytes32 effectsHash, bytes32 archive)',
  'event L2ProofVerified(uint256 indexed fromBlock, uint256 indexed toBlock, bytes32 indexed proverId)',
  'event SequencerSet(address indexed sequencer)',
  'event Pruned(uint256 provenBlock, uint256 prunedPendingBlock)',
  'error ZeroAddress()',
  'error InvalidProofWindow()',
  'error NotOwner(address caller)',
  'error NotSequencer(address caller)',
  'error NotAFieldElement(bytes32 value)',
  'error WrongBlockNumber(uint256 expected, uint256 actual)',
  'error InvalidRange(uint256 fromBlock, uint256 toBlock)',
  'error AlreadyProven(uint256 fromBlock, uint256 provenBlock)',
  'error ProofGap(uint256 expectedFromBlock, uint256 fromBlock)',
  'error BlockNotProposed(uint256 blockNumber, uint256 pendingBlock)',
  'error ProofWindowExpired(uint256 blockNumber, uint256 deadline)',
  'error WrongPublicInputsLength(uint256 expected, uint256 actual)',
  'error WrongPreviousArchive(bytes32 expected, bytes32 actual)',
  'error WrongEndArchive(bytes32 expected, bytes32 actual)',
  'error WrongRange(uint256 expectedFromBlock, uint256 expectedToBlock, bytes32 actualFromBlock, bytes32 actualToBlock)',
  'error ProofRejected(bytes verifierError)',
  'error NothingToPrune()',
]);

/**
 * Errors the bb 5.0.0 generated HonkVerifier raises (its `Errors` library; the `--optimized` variant reverts
 * with the same selectors from assembly and so has none in its ABI). Used to name the reason inside
 * `ProofRejected(bytes)`.
 */
export const honkVerifierErrorsAbi = parseAbi([
  'error ValueGeLimbMax()',
  'error ValueGeGroupOrder()',
  'error ValueGeFieldOrder()',
  'error InvertOfZero()',
  'error NotPowerOfTwo()',
  'error ModExpFailed()',
  // The `--optimized` verifier's selector for the same failure (0xf442f163).
  'error MODEXP_FAILED()',
  'error ProofLengthWrong()',
  'error ProofLengthWrongWithLogN(uint256 logN, uint256 actualLength, uint256 expectedLength)',
  'error PublicInputsLengthWrong()',
  'error SumcheckFailed()',
  'error ShpleminiFailed()',
  'error PointAtInfinity()',
  'error ConsistencyCheckFailed()',
  'error GeminiChallengeInSubgroup()',
]);
