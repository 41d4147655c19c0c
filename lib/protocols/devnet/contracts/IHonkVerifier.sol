// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

/// The interface `bb write_solidity_verifier` generates (its own copy is named IVerifier; a separate name here
/// keeps the two from clashing when both sources are compiled together).
interface IHonkVerifier {
    function verify(bytes calldata proof, bytes32[] calldata publicInputs) external view returns (bool);
}
