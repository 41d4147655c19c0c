import { describe, expect, it } from 'vitest';

import { assertJobId, isJobId, jobId, RUN_ID_PATTERN, runId } from '../../lib/proving/job-id.ts';

describe('jobId', () => {
  it('is 24 lowercase hex and deterministic', () => {
    const id = jobId('devnet', 'TUBE', ['tx:0xab', 'block:3']);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(jobId('devnet', 'TUBE', ['tx:0xab', 'block:3'])).toBe(id);
  });

  it.each([
    ['profile', jobId('aztec', 'TUBE', ['a', 'b'])],
    ['type', jobId('devnet', 'BASE', ['a', 'b'])],
    ['part order', jobId('devnet', 'TUBE', ['b', 'a'])],
    ['part boundaries', jobId('devnet', 'TUBE', ['ab'])],
    ['part count', jobId('devnet', 'TUBE', ['a', 'b', ''])],
  ])('changes with the %s', (_what, other) => {
    expect(other).not.toBe(jobId('devnet', 'TUBE', ['a', 'b']));
  });

  it.each(['', 'Devnet', 'dev-net', '9lives'])('rejects profile name %j', (profile) => {
    expect(() => jobId(profile, 'TUBE', [])).toThrow(/malformed profile name/);
  });

  it('rejects an empty type', () => {
    expect(() => jobId('devnet', '', [])).toThrow(/job type/);
  });
});

describe('runId', () => {
  it('has the documented shape and is a valid Step Functions execution name', () => {
    const id = runId('devnet', 3, 4, [['0x1', '0x2'], ['0x3']]);
    expect(id).toMatch(/^devnet-0000000003-0000000004-[0-9a-f]{8}$/);
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(runId('devnet', 3, 4, [['0x1', '0x2'], ['0x3']])).toBe(id);
  });

  it('changes when txs move between blocks or change', () => {
    const base = runId('aztec', 1, 2, [['0x1', '0x2'], ['0x3']]);
    expect(runId('aztec', 1, 2, [['0x1'], ['0x2', '0x3']])).not.toBe(base);
    expect(runId('aztec', 1, 2, [['0x1', '0x2'], ['0x4']])).not.toBe(base);
  });

  it('stays within 80 characters for the longest allowed profile name and block numbers', () => {
    const id = runId('a'.repeat(40), 9_999_999_998, 9_999_999_999, []);
    expect(id.length).toBeLessThanOrEqual(80);
    expect(id).toMatch(RUN_ID_PATTERN);
  });

  it.each([
    ['to before from', 'devnet', 5, 4, /empty/],
    ['negative block', 'devnet', -1, 4, /from block/],
    ['fractional block', 'devnet', 1, 4.5, /to block/],
    ['11-digit block', 'devnet', 1, 10_000_000_000, /to block/],
    ['bad profile', 'dev/net', 1, 2, /profile name/],
  ])('rejects %s', (_what, profile, from, to, error) => {
    expect(() => runId(profile as string, from as number, to as number, [])).toThrow(error as RegExp);
  });
});

describe('assertJobId', () => {
  it.each(['0123456789abcdef01234567'])('accepts %s', (id) => {
    expect(isJobId(id)).toBe(true);
    expect(() => assertJobId(id)).not.toThrow();
  });

  it.each(['', '0123456789ABCDEF01234567', '0123456789abcdef0123456', '../../../etc/passwd', 42, undefined])(
    'rejects %j',
    (id) => {
      expect(isJobId(id)).toBe(false);
      expect(() => assertJobId(id)).toThrow(/malformed job id/);
    },
  );
});
