/**
 * Where jobs read inputs and write outputs: an S3 bucket in the cloud (lib/aws/s3-artifact-store.ts), a local
 * S3 server or memory elsewhere. The core knows only this interface, so it imports nothing from AWS.
 *
 * Semantics every implementation keeps (test/aws/artifact-store-contract.ts checks them):
 *   - `get` of a missing key resolves to `undefined`; any other failure rejects with an error naming the key.
 *   - Failures are `ProverError`s whose `retryable` says whether a later try may pass (throttling, 5xx, the
 *     network): each store classifies its own backend's errors, so callers (the job runner) never see its shapes.
 *   - `put` overwrites, so re-running a job that crashed half way is harmless (idempotent re-put).
 *   - `putIfAbsent` writes only when nothing is at the key, and says whether it wrote. That is how two
 *     racing writers of a content-addressed key agree on one object.
 *   - `list` returns every key under a prefix, sorted, across pages.
 */
import { InputError } from '../errors.ts';

/** Bytes in memory, or a stream of chunks (a Node Readable is one) for outputs too big to hold twice. */
export type ArtifactBody = Uint8Array | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /** Stored as the object's Content-Type; defaults to application/octet-stream. */
  readonly contentType?: string;
}

export interface ArtifactStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: ArtifactBody, options?: PutOptions): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Resolves true when this call wrote the object, false when one was already there (left untouched). */
  putIfAbsent(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
}

/** S3's limit is 1024 UTF-8 bytes; a leading slash or an empty segment is almost always a bug in the caller. */
export function assertArtifactKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InputError(`artifact key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
  if (Buffer.byteLength(key, 'utf8') > 1024) {
    throw new InputError(`artifact key is longer than 1024 bytes: ${key.slice(0, 64)}…`);
  }
  if (key.startsWith('/') || key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new InputError(`malformed artifact key ${JSON.stringify(key)}: no leading slash, empty, "." or ".." segments`);
  }
}

/** Collects a body into one buffer (for stores that need the whole object, and for hashing in tests). */
async function collectBody(body: ArtifactBody): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The reference implementation: one process, no persistence. Used by unit tests of the core. */
export class MemoryArtifactStore implements ArtifactStore {
  private readonly objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    assertArtifactKey(key);
    const bytes = this.objects.get(key);
    return bytes === undefined ? undefined : new Uint8Array(bytes);
  }

  async put(key: string, body: ArtifactBody): Promise<void> {
    assertArtifactKey(key);
    // Copy: a caller reusing its buffer must not change what was stored.
    this.objects.set(key, new Uint8Array(await collectBody(body)));
  }

  async exists(key: string): Promise<boolean> {
    assertArtifactKey(key);
    return this.objects.has(key);
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    assertArtifactKey(key);
    if (this.objects.has(key)) return false;
    this.objects.set(key, new Uint8Array(body));
    return true;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}
