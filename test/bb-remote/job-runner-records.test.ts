/**
 * What the job runner records for bb-remote: jobs/<id>/error.json when a job fails (the only place a caller on
 * AWS finds the error text), and a raw-bb job's optional outputs. The backend here is the shared test double
 * (test/proving/fake-backend.ts: writes files or fails), the store the in-memory reference store.
 */
import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { runJob } from '../../lib/proving/job-runner.ts';
import { jobErrorSchema, type BbJobSpec } from '../../lib/proving/job-spec.ts';
import { blobKey, jobErrorKey, jobSpecKey } from '../../lib/proving/keys.ts';
import { testDoubleBackend, testDoubleBytes } from '../proving/fake-backend.ts';

const ID = 'abcdefabcdefabcdefabcdef';

async function storeWithSpec(spec: Omit<BbJobSpec, 'kind' | 'id' | 'inputs'>): Promise<MemoryArtifactStore> {
  const store = new MemoryArtifactStore();
  const input = blobKey('0'.repeat(64));
  await store.put(input, Buffer.from('bytecode'));
  await store.put(jobSpecKey(ID), Buffer.from(JSON.stringify({ kind: 'bb', id: ID, inputs: { 'bytecode.json': input }, ...spec })));
  return store;
}

describe('job runner records for bb-remote', () => {
  it('uploads optional outputs bb wrote and skips those it did not', async () => {
    const store = await storeWithSpec({ args: ['avm_prove', '--avm-inputs', '{in:bytecode.json}', '-o', '{out}'], outputs: ['proof'], optionalOutputs: ['vk', 'vk_fields.json'] });
    const outcome = await runJob(ID, { store, backend: testDoubleBackend({ writes: ['proof', 'vk'] }), adapters: {} });
    expect(outcome.status).toBe('proved');
    if (outcome.status !== 'proved') return;
    expect(Object.keys(outcome.result.outputs).sort()).toEqual(['proof', 'vk']);
    expect(Buffer.from((await store.get(outcome.result.outputs['vk']!.key))!).toString()).toBe(testDoubleBytes('vk'));
  });

  it('a missing required output still fails the job', async () => {
    const store = await storeWithSpec({ args: ['prove', '-b', '{in:bytecode.json}', '-o', '{out}'], outputs: ['proof', 'public_inputs'] });
    const outcome = await runJob(ID, { store, backend: testDoubleBackend({ writes: ['proof'] }), adapters: {} });
    expect(outcome).toMatchObject({ status: 'failed', message: expect.stringContaining('wrote no public_inputs') });
  });

  it('writes jobs/<id>/error.json with the message of a failed job', async () => {
    const store = await storeWithSpec({ args: ['prove', '-b', '{in:bytecode.json}', '-o', '{out}'], outputs: ['proof'] });
    const before = Date.now();
    const outcome = await runJob(ID, { store, backend: testDoubleBackend({ fail: 'bb prove: the witness does not satisfy the circuit' }), adapters: {} });
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    const record = jobErrorSchema.parse(JSON.parse(Buffer.from((await store.get(jobErrorKey(ID)))!).toString()));
    expect(record).toMatchObject({ id: ID, message: outcome.message, retryable: false });
    expect(record.message).toContain('the witness does not satisfy the circuit');
    expect(Date.parse(record.failedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('a store that cannot take error.json does not change the outcome', async () => {
    const store = await storeWithSpec({ args: ['prove', '-o', '{out}'], outputs: ['proof'] });
    const put = store.put.bind(store);
    store.put = async (key, body) => {
      if (key === jobErrorKey(ID)) throw new Error('S3 is down');
      return put(key, body);
    };
    const outcome = await runJob(ID, { store, backend: testDoubleBackend({ fail: 'boom' }), adapters: {} });
    expect(outcome).toMatchObject({ status: 'failed', retryable: false, message: expect.stringContaining('boom') });
  });

  it('blob keys are content addresses', () => {
    expect(blobKey('a'.repeat(64))).toBe(`blobs/${'a'.repeat(64)}`);
    expect(() => blobKey('../etc')).toThrow(/malformed sha256/);
  });
});
