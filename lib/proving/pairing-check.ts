/**
 * Pairing-point check for proofs made with a *known-τ* test CRS (the devnet's).
 *
 * A recursive verifier circuit does not finish verifying its inner proofs: it accumulates their final KZG
 * check into two G1 points (P0, P1) that it exposes as public inputs (bb puts these 8 limbs at the start of
 * the proof). The real check is e(P0, [1]₂)·e(P1, [τ]₂) = 1, done by whoever verifies the outer proof. Stock
 * `bb verify` cannot do it for a test CRS (its [τ]₂ is compiled in), but with τ known the pairing equation
 * reduces to the group equation P0 + τ·P1 = O. A tampered inner proof still *proves* (bb proves anything its
 * builder accepts) but leaves pairing points that fail this check.
 *
 * This checks the inner proofs of a proof, not the outer proof itself (that needs the full Honk verifier:
 * the EVM verifier at the root).
 */
import { bn254 } from '@noble/curves/bn254';

/** Limbs per proof: 2 points × 2 coordinates × 2 limbs (136-bit low limb first). */
const PAIRING_POINT_FIELDS = 8;
const LIMB_BITS = 136n;

export interface G1Point {
  readonly x: bigint;
  readonly y: bigint;
}

interface PairingPoints {
  readonly p0: G1Point;
  readonly p1: G1Point;
}

/** Decodes the pairing points from their 8 limbs (x_lo, x_hi, y_lo, y_hi for P0, then P1). */
function decodePairingPoints(limbs: readonly bigint[]): PairingPoints {
  if (limbs.length < PAIRING_POINT_FIELDS) throw new RangeError(`pairing points need ${PAIRING_POINT_FIELDS} limbs, got ${limbs.length}`);
  const coord = (i: number): bigint => limbs[i]! + (limbs[i + 1]! << LIMB_BITS);
  return { p0: { x: coord(0), y: coord(2) }, p1: { x: coord(4), y: coord(6) } };
}

export type PairingCheckResult =
  | { readonly ok: true; readonly trivial: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks P0 + τ·P1 = O. Both points at infinity (encoded as zeros: a circuit that verifies no proof) passes,
 * reported as `trivial`.
 */
function checkPairingPoints(points: PairingPoints, tau: bigint): PairingCheckResult {
  const G1 = bn254.G1.ProjectivePoint;
  const toPoint = (p: G1Point, name: string) => {
    if (p.x === 0n && p.y === 0n) return G1.ZERO;
    const point = G1.fromAffine({ x: p.x, y: p.y });
    try {
      point.assertValidity();
    } catch {
      return name;
    }
    return point;
  };
  const p0 = toPoint(points.p0, 'P0');
  const p1 = toPoint(points.p1, 'P1');
  if (typeof p0 === 'string' || typeof p1 === 'string') {
    return { ok: false, reason: `pairing point ${typeof p0 === 'string' ? p0 : p1} is not on the curve` };
  }
  if (p0.equals(G1.ZERO) && p1.equals(G1.ZERO)) return { ok: true, trivial: true };
  const sum = p1.equals(G1.ZERO) ? p0 : p0.add(p1.multiply(tau));
  return sum.equals(G1.ZERO) ? { ok: true, trivial: false } : { ok: false, reason: 'pairing check failed: P0 + τ·P1 ≠ O' };
}

/** Checks the pairing points at the start of a bb proof (fields of 32 bytes, big-endian). */
export function checkProofPairingPoints(proofFields: readonly bigint[], tau: bigint): PairingCheckResult {
  return checkPairingPoints(decodePairingPoints(proofFields.slice(0, PAIRING_POINT_FIELDS)), tau);
}
