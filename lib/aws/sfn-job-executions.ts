/**
 * The broker's per-job executions on Step Functions: StartExecution by name (a second start of a name is Step
 * Functions' own no-op), StopExecution (which also terminates the execution's running Batch job) and
 * DescribeExecution.
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { BrokerExecutionInput } from '../broker/contract.ts';
import type { ExecutionState, JobExecutions } from '../broker/ports.ts';
import { executionArn } from './sfn-executions.ts';

export class SfnJobExecutions implements JobExecutions {
  constructor(
    private readonly client: SFNClient,
    readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: BrokerExecutionInput): Promise<'started' | 'exists'> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return 'started';
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) return 'exists';
      throw err;
    }
  }

  async stop(name: string, cause: string): Promise<void> {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn: executionArn(this.stateMachineArn, name), cause: cause.slice(0, 32_768) }));
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return;
      throw err;
    }
  }

  async describe(name: string): Promise<{ status: ExecutionState; error?: string; cause?: string } | undefined> {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn: executionArn(this.stateMachineArn, name) }));
      return { status: out.status as ExecutionState, ...(out.error ? { error: out.error } : {}), ...(out.cause ? { cause: out.cause } : {}) };
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return undefined;
      throw err;
    }
  }
}
