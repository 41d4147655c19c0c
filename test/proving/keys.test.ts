import { describe, expect, it } from 'vitest';

import {
  failureKey,
  jobInputKey,
  jobOutputKey,
  jobResultKey,
  jobSpecKey,
  levelKey,
  planKey,
  submissionKey,
} from '../../lib/proving/keys.ts';

const RUN = 'devnet-0000000003-0000000004-0a1b2c3d';
const JOB = '0123456789abcdef01234567';

describe('S3 keys', () => {
  it('follow the layout', () => {
    expect(planKey(RUN)).toBe(`runs/${RUN}/plan.json`);
    expect(levelKey(RUN, 0)).toBe(`runs/${RUN}/levels/0.json`);
    expect(levelKey(RUN, 12)).toBe(`runs/${RUN}/levels/12.json`);
    expect(failureKey(RUN)).toBe(`runs/${RUN}/failure.json`);
    expect(submissionKey(RUN)).toBe(`runs/${RUN}/submission.json`);
    expect(jobSpecKey(JOB)).toBe(`jobs/${JOB}/spec.json`);
    expect(jobInputKey(JOB, 'witness.gz')).toBe(`jobs/${JOB}/inputs/witness.gz`);
    expect(jobOutputKey(JOB, 'proof')).toBe(`jobs/${JOB}/output/proof`);
    expect(jobResultKey(JOB)).toBe(`jobs/${JOB}/result.json`);
  });

  it.each(['', 'runs/x', 'a b', 'x'.repeat(81), '../other'])('reject run id %j', (id) => {
    expect(() => planKey(id)).toThrow(/malformed run id/);
  });

  it.each(['', 'ABCDEF0123456789abcdef01', `${JOB}/../x`, 'jobs'])('reject job id %j', (id) => {
    expect(() => jobSpecKey(id)).toThrow(/malformed job id/);
    expect(() => jobResultKey(id)).toThrow(/malformed job id/);
  });

  it.each(['', '..', '.hidden', 'a/b', 'proof\n'])('reject file name %j', (name) => {
    expect(() => jobInputKey(JOB, name)).toThrow(/malformed file name/);
    expect(() => jobOutputKey(JOB, name)).toThrow(/malformed file name/);
  });

  it.each([-1, 1.5, Number.NaN])('reject level %s', (level) => {
    expect(() => levelKey(RUN, level)).toThrow(/level must be a non-negative integer/);
  });
});
