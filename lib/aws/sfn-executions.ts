/**
 * Step Functions behind the poller's `Executions` port (lib/pipeline/poll.ts): executions of the prover's state
 * machine, named by run id. StartExecution with an existing name is Step Functions' own duplicate guard.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  paginateListExecutions,
} from '@aws-sdk/client-sfn';
import type { ExecutionStatus, Executions, RunningExecution } from '../pipeline/poll.ts';

/**
 * arn:aws:states:<region>:<account>:stateMachine:<name> → the ARN of its execution `name`. A `#<TestCase>`
 * suffix (Step Functions Local / LocalStack: start with mocked responses) is not part of the execution's ARN.
 */
export function executionArn(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[5] !== 'stateMachine') throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return [...parts.slice(0, 5), 'execution', parts[6]!.replace(/#.*$/, ''), name].join(':');
}

/** What DescribeExecution tells about a run. */
export interface ExecutionDescription {
  readonly name: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date | undefined;
  readonly stopDate: Date | undefined;
  readonly error: string | undefined;
  readonly cause: string | undefined;
}

export class SfnExecutions implements Executions {
  constructor(
    private readonly client: SFNClient,
    readonly stateMachineArn: string,
  ) {}

  async listRunning(): Promise<RunningExecution[]> {
    const running: RunningExecution[] = [];
    for await (const page of paginateListExecutions({ client: this.client }, { stateMachineArn: this.stateMachineArn, statusFilter: 'RUNNING' })) {
      for (const e of page.executions ?? []) if (e.name && e.startDate) running.push({ name: e.name, startedAt: e.startDate });
    }
    return running;
  }

  async status(name: string): Promise<ExecutionStatus | undefined> {
    return (await this.describe(name))?.status;
  }

  /** The execution `name` of this state machine; undefined when there is none. */
  async describe(name: string): Promise<ExecutionDescription | undefined> {
    const arn = executionArn(this.stateMachineArn, name);
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn: arn }));
      return {
        name,
        executionArn: out.executionArn ?? arn,
        status: out.status as ExecutionStatus,
        startDate: out.startDate,
        stopDate: out.stopDate,
        error: out.error,
        cause: out.cause,
      };
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return undefined;
      throw err;
    }
  }

  async start(name: string, input: Record<string, unknown>): Promise<'started' | 'exists'> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return 'started';
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) return 'exists';
      throw err;
    }
  }
}
