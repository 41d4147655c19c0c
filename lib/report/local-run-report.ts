/** The Gantt report `prover local` leaves for every run: `<dir>/report-<run>.html` and the records behind it. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { renderRunReport } from './gantt.ts';
import { localRunRecords, type ExecutorJob } from './run-records.ts';

export interface LocalRunReport {
  readonly run: string;
  /** The chart, or undefined when the run left nothing to draw (e.g. Plan failed). */
  readonly html?: string;
  readonly records?: string;
  readonly error?: string;
}

export async function writeLocalRunReports(params: {
  readonly dir: string;
  readonly store: ArtifactStore;
  readonly profile: Pick<ProtocolProfile, 'name' | 'circuits' | 'resourceClasses'>;
  readonly runs: readonly { readonly name: string }[];
  readonly executorJobs: readonly ExecutorJob[];
  readonly t0: number;
  readonly closedAt: number;
  readonly concurrency: number;
}): Promise<LocalRunReport[]> {
  const reports: LocalRunReport[] = [];
  for (const run of params.runs) {
    try {
      const records = await localRunRecords({ ...params, run: run.name });
      const html = join(params.dir, `report-${run.name}.html`);
      const json = join(params.dir, `report-${run.name}.records.json`);
      await writeFile(json, `${JSON.stringify(records)}\n`);
      await writeFile(html, renderRunReport(records));
      reports.push({ run: run.name, html, records: json });
    } catch (err) {
      // A missing chart must not turn a proven run into a failed command.
      reports.push({ run: run.name, error: describeError(err) });
    }
  }
  return reports;
}
