/**
 * The behaviour every ArtifactStore must have, as one suite run against each implementation: memory,
 * S3ArtifactStore on s3rver (test/aws) and on LocalStack (test/localstack).
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../lib/errors.ts';
import type { ArtifactStore } from '../../lib/proving/artifact-store.ts';

export interface StoreFixture {
  readonly store: ArtifactStore;
  /** For S3-backed stores: raw access, to check what actually landed in the bucket. */
  readonly s3?: { readonly client: S3Client; readonly bucket: string; readonly partSizeBytes: number };
}

export interface StoreCapabilities {
  /** putIfAbsent is atomic (If-None-Match honoured), so racing writers must yield exactly one winner. */
  readonly atomicPutIfAbsent: boolean;
  /** S3-backed: the fixture has `s3` and large bodies go up as multipart uploads. */
  readonly s3: boolean;
}

const MiB = 1024 * 1024;

/** Tests that do not apply to a store are not registered (rather than skipped): see StoreCapabilities. */
export function artifactStoreContract(name: string, capabilities: StoreCapabilities, setup: () => Promise<StoreFixture>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let f: StoreFixture;
    /** S3 commands the store sent, by name: shows multipart vs single PUT whatever ETag style the server uses. */
    const sent: string[] = [];
    beforeAll(async () => {
      f = await setup();
      f.s3?.client.middlewareStack.add(
        (next, context) => (args) => {
          sent.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: 'contractCommandRecorder' },
      );
    });
    // Every test writes under its own prefix so they cannot see each other's objects.
    const prefix = () => `contract/${randomUUID()}/`;

    it('round-trips bytes exactly, including zero bytes and every byte value', async () => {
      const p = prefix();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await f.store.put(`${p}all`, all);
      await f.store.put(`${p}empty`, new Uint8Array(0));
      expect(Buffer.from((await f.store.get(`${p}all`))!)).toEqual(Buffer.from(all));
      expect((await f.store.get(`${p}empty`))?.byteLength).toBe(0);
    });

    it('returns undefined for a missing key, and exists() says false', async () => {
      const p = prefix();
      expect(await f.store.get(`${p}nothing-here`)).toBeUndefined();
      expect(await f.store.exists(`${p}nothing-here`)).toBe(false);
      await f.store.put(`${p}here`, Buffer.from('x'));
      expect(await f.store.exists(`${p}here`)).toBe(true);
    });

    it.each(['', '/leading', 'a//b', 'a/../b', 'trailing/'])('rejects the malformed key %j with an InputError', async (key) => {
      await expect(f.store.get(key)).rejects.toThrow(InputError);
      await expect(f.store.put(key, Buffer.from('x'))).rejects.toThrow(/artifact key/);
    });

    it('re-put is idempotent and the last write wins', async () => {
      const key = `${prefix()}result.json`;
      await f.store.put(key, Buffer.from('{"v":1}'));
      await f.store.put(key, Buffer.from('{"v":1}'));
      expect(Buffer.from((await f.store.get(key))!).toString()).toBe('{"v":1}');
      await f.store.put(key, Buffer.from('{"v":2}'));
      expect(Buffer.from((await f.store.get(key))!).toString()).toBe('{"v":2}');
    });

    it('stores what was passed, not a later mutation of the caller buffer', async () => {
      const key = `${prefix()}buf`;
      const buf = Buffer.from('original');
      await f.store.put(key, buf);
      buf.write('mutated!');
      expect(Buffer.from((await f.store.get(key))!).toString()).toBe('original');
    });

    it('putIfAbsent writes once and then leaves the object alone (resume semantics)', async () => {
      const key = `${prefix()}spec.json`;
      expect(await f.store.putIfAbsent(key, Buffer.from('first'))).toBe(true);
      expect(await f.store.putIfAbsent(key, Buffer.from('second'))).toBe(false);
      expect(Buffer.from((await f.store.get(key))!).toString()).toBe('first');
      expect(await f.store.exists(key)).toBe(true);
    });

    // check-then-put (for s3rver, which ignores If-None-Match) is documented as not atomic.
    if (capabilities.atomicPutIfAbsent) it('putIfAbsent under a race: one writer wins and its bytes are what is stored', async () => {
      const key = `${prefix()}raced`;
      const bodies = Array.from({ length: 6 }, (_, i) => Buffer.from(`writer-${i}`));
      const won = await Promise.all(bodies.map((b) => f.store.putIfAbsent(key, b)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = bodies[won.indexOf(true)]!;
      expect(Buffer.from((await f.store.get(key))!).toString()).toBe(winner.toString());
    });

    it('lists every key under a prefix across pages, and nothing outside it', async () => {
      const p = prefix();
      const keys = ['a/1', 'a/2', 'a/3', 'a/4', 'a/5', 'b/1'].map((k) => `${p}${k}`);
      for (const key of keys) await f.store.put(key, Buffer.from(key));
      expect(await f.store.list(`${p}a/`)).toEqual(keys.slice(0, 5));
      expect(await f.store.list(p)).toEqual(keys);
      expect(await f.store.list(`${p}zzz/`)).toEqual([]);
    });

    it('accepts a stream body', async () => {
      const key = `${prefix()}streamed`;
      await f.store.put(key, Readable.from([Buffer.from('hello '), Buffer.from('stream')]));
      expect(Buffer.from((await f.store.get(key))!).toString()).toBe('hello stream');
    });

    if (capabilities.s3) it('uploads a 12 MiB stream in parts and reads back the same sha256', async () => {
      const { client, bucket, partSizeBytes } = f.s3!;
      expect(partSizeBytes).toBe(5 * MiB);
      const key = `${prefix()}output/proof`;
      const data = randomBytes(12 * MiB);
      // Uneven chunks so part boundaries never line up with chunk boundaries.
      const chunks = function* () {
        for (let off = 0; off < data.length; off += 777_777) yield data.subarray(off, off + 777_777);
      };
      sent.length = 0;
      await f.store.put(key, Readable.from(chunks()));
      expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
      expect(sent).toContain('CompleteMultipartUploadCommand');
      const back = await f.store.get(key);
      expect(back?.byteLength).toBe(data.length);
      expect(sha256(back!)).toBe(sha256(data));
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentLength).toBe(data.length);
    });

    if (capabilities.s3) it('puts a body no larger than one part as a single object', async () => {
      const key = `${prefix()}small`;
      sent.length = 0;
      await f.store.put(key, randomBytes(64 * 1024));
      expect(sent).toEqual(['PutObjectCommand']);
    });
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
