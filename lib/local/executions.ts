/**
 * The local runtime's Step Functions executions: a registry of named runs with Step Functions' naming
 * rules (a name is used once; starting an existing name is a no-op), so the same poller and CLI code that
 * talks to AWS works locally.
 */
import type { ExecutionStatus, Executions, RunningExecution } from '../pipeline/poll.ts';

export type RunExecution = (name: string, input: Record<string, unknown>) => Promise<unknown>;

interface LocalExecution {
  status: ExecutionStatus;
  readonly startedAt: Date;
  readonly input: Record<string, unknown>;
  readonly done: Promise<void>;
  output?: unknown;
  error?: string;
}

export class LocalExecutions implements Executions {
  private readonly executions = new Map<string, LocalExecution>();

  constructor(private readonly runExecution: RunExecution) {}

  async listRunning(): Promise<RunningExecution[]> {
    return [...this.executions].filter(([, e]) => e.status === 'RUNNING').map(([name, e]) => ({ name, startedAt: e.startedAt }));
  }

  async status(name: string): Promise<ExecutionStatus | undefined> {
    return this.executions.get(name)?.status;
  }

  async start(name: string, input: Record<string, unknown>): Promise<'started' | 'exists'> {
    if (this.executions.has(name)) return 'exists';
    const execution: LocalExecution = {
      status: 'RUNNING',
      startedAt: new Date(),
      input,
      done: this.runExecution(name, input).then(
        (output) => {
          execution.status = 'SUCCEEDED';
          execution.output = output;
        },
        (err: unknown) => {
          execution.status = 'FAILED';
          execution.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        },
      ),
    };
    this.executions.set(name, execution);
    return 'started';
  }

  /** Waits for an execution to close and returns how it ended. */
  async wait(name: string): Promise<{ status: ExecutionStatus; output?: unknown; error?: string }> {
    const execution = this.executions.get(name);
    if (!execution) throw new Error(`no local execution named ${name}`);
    await execution.done;
    return { status: execution.status, ...(execution.output !== undefined ? { output: execution.output } : {}), ...(execution.error ? { error: execution.error } : {}) };
  }

  names(): string[] {
    return [...this.executions.keys()];
  }
}
