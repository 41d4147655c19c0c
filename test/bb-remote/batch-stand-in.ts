/**
 * A test double of the AWS Batch API on loopback, for bb-remote's AWS mode: it speaks the wire protocol the
 * real @aws-sdk/client-batch uses (REST-JSON POST /v1/submitjob, /v1/describejobs, /v1/terminatejob; reached
 * with AWS_ENDPOINT_URL_BATCH) and runs each submitted job as Batch would run the prover container: the job
 * runner bundle as a process with the job definition's environment plus the container overrides (or, with
 * `launch`, any other way, e.g. the prover image under Docker). It keeps no queue semantics beyond that (one
 * attempt per job, no scheduling, no auth).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly environment: Readonly<Record<string, string>>;
  status: 'SUBMITTED' | 'RUNNABLE' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  statusReason?: string;
  exitCode?: number;
  stderr: string;
  child?: ChildProcess;
}

export interface BatchStandInOptions {
  /** Job definition name → its container environment (what the stack's definitions set: bucket, CRS …). */
  readonly definitions: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** How the "container" starts: node + the bundled entrypoint … */
  readonly node?: string;
  readonly bundle?: string;
  /** … or this (its environment: `job.environment`; stderr is kept for the job). */
  readonly launch?: (job: StandInJob) => ChildProcess;
  /** A job this returns a reason for fails like a lost instance, without running. */
  readonly hostLost?: (job: StandInJob, submissionIndex: number) => string | undefined;
}

export interface BatchStandIn {
  readonly endpoint: string;
  readonly jobs: StandInJob[];
  stop(): Promise<void>;
}

export async function startBatchStandIn(options: BatchStandInOptions): Promise<BatchStandIn> {
  if (options.launch === undefined && (options.node === undefined || options.bundle === undefined)) throw new Error('the Batch stand-in needs `launch`, or `node` and `bundle`');
  const jobs: StandInJob[] = [];
  const server = createServer((req, res) => {
    void body(req).then((input) => {
      const reply = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      switch (req.url) {
        case '/v1/submitjob': {
          const definition = options.definitions[String(input['jobDefinition'])];
          if (definition === undefined) return reply(400, { __type: 'ClientException', message: `no job definition ${String(input['jobDefinition'])}` });
          const overrides = (input['containerOverrides'] as { environment?: { name: string; value: string }[] } | undefined)?.environment ?? [];
          const job: StandInJob = {
            jobId: randomUUID(),
            jobName: String(input['jobName']),
            jobQueue: String(input['jobQueue']),
            jobDefinition: String(input['jobDefinition']),
            environment: { ...definition, ...Object.fromEntries(overrides.map((e) => [e.name, e.value])) },
            status: 'SUBMITTED',
            stderr: '',
          };
          jobs.push(job);
          start(job, jobs.length - 1, options);
          return reply(200, { jobArn: `arn:aws:batch:us-east-1:000000000000:job/${job.jobId}`, jobName: job.jobName, jobId: job.jobId });
        }
        case '/v1/describejobs': {
          const ids = (input['jobs'] as string[] | undefined) ?? [];
          return reply(200, { jobs: jobs.filter((j) => ids.includes(j.jobId)).map(describe) });
        }
        case '/v1/terminatejob': {
          const job = jobs.find((j) => j.jobId === input['jobId']);
          if (job) {
            job.child?.kill('SIGKILL');
            job.status = 'FAILED';
            job.statusReason = String(input['reason']);
          }
          return reply(200, {});
        }
        default:
          return reply(404, { __type: 'ClientException', message: `not implemented by the stand-in: ${req.url}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    jobs,
    stop: () =>
      new Promise((resolve) => {
        for (const job of jobs) job.child?.kill('SIGKILL');
        server.close(() => resolve());
      }),
  };
}

function start(job: StandInJob, index: number, options: BatchStandInOptions): void {
  job.status = 'RUNNABLE';
  const lost = options.hostLost?.(job, index);
  if (lost !== undefined) {
    job.status = 'FAILED';
    job.statusReason = lost;
    return;
  }
  const child = options.launch ? options.launch(job) : spawn(options.node!, [options.bundle!, 'run'], { env: { ...job.environment }, stdio: ['ignore', 'ignore', 'pipe'] });
  job.child = child;
  job.status = 'RUNNING';
  child.stderr?.on('data', (c: Buffer) => (job.stderr += c.toString()));
  child.on('close', (code) => {
    if (job.status !== 'RUNNING') return; // terminated
    job.exitCode = code ?? -1;
    job.status = code === 0 ? 'SUCCEEDED' : 'FAILED';
    job.statusReason = 'Essential container in task exited';
  });
}

function describe(job: StandInJob): Record<string, unknown> {
  return {
    jobId: job.jobId,
    jobName: job.jobName,
    jobQueue: job.jobQueue,
    jobDefinition: job.jobDefinition,
    status: job.status,
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    attempts:
      job.status === 'FAILED' || job.status === 'SUCCEEDED'
        ? [{ container: { ...(job.exitCode === undefined ? {} : { exitCode: job.exitCode }), logStreamName: `stand-in/${job.jobId}` }, statusReason: job.statusReason }]
        : [],
    createdAt: Date.now(),
    startedAt: Date.now(),
  };
}

function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => resolve(raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>)));
  });
}
