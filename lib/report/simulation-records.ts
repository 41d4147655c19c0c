/** A simulated schedule as run records, so `prover simulate --report` draws the same Gantt chart as a real run. */
import type { Simulation } from '../model/simulate.ts';
import type { Workload } from '../model/workload.ts';
import type { RunRecords } from './run-records.ts';

export function simulationRecords(workload: Workload, sim: Simulation, run: string, notes: readonly string[] = []): RunRecords {
  const ms = (seconds: number) => seconds * 1000;
  const jobs = sim.jobs
    .filter((j) => Number.isFinite(j.finishedAt))
    .map((j) => ({
      id: j.id,
      type: j.type,
      resourceClass: j.resourceClass,
      vcpus: j.vcpus,
      // From when the orchestration reached the job: SubmitJob, Batch's scheduling and capacity waits are "queued".
      submittedAt: ms(j.readyAt),
      attempts: [{ startedAt: ms(j.startedAt), stoppedAt: ms(j.finishedAt), ok: true }],
    }));
  return {
    version: 1,
    run,
    profile: workload.profile,
    source: 'model',
    t0: 0,
    graph: { jobs: workload.jobs.map((j) => ({ id: j.id, type: j.type, children: [...j.children], block: 0 })), root: workload.root },
    levels: workload.levels.map((items) => items.map((item) => [...item])),
    jobs,
    notes: [...notes],
  };
}
