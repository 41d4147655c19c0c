/**
 * Step Functions mocked service integrations (LocalStack ≥ 4.4, SFN_MOCK_CONFIG): a JSON file of
 *   StateMachines.<name>.TestCases.<case> = { <state name>: <mocked response name> }
 *   MockedResponses.<response> = { "<invocation range>": { Return: … } | { Throw: { Error, Cause } } }
 * An execution started as `<stateMachineArn>#<case>` answers each listed Task state from its responses (the
 * n-th invocation of that state, counted over the whole execution including Map iterations and retries,
 * takes the n-th entry); unlisted states run for real.
 *
 * LocalStack re-reads the file when its mtime (in whole seconds) changes, so every write moves the mtime
 * forward by at least one second.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';

export type MockedResponse = { readonly Return: unknown } | { readonly Throw: { readonly Error: string; readonly Cause: string } };

interface SfnMockConfig {
  StateMachines: Record<string, { TestCases: Record<string, Record<string, string>> }>;
  MockedResponses: Record<string, Record<string, MockedResponse>>;
}

export function resetSfnMockConfig(path: string): void {
  write(path, { StateMachines: {}, MockedResponses: {} });
}

/** Adds test cases for one state machine and the responses they name (merged into what is there). */
function addSfnMockTestCases(
  path: string,
  stateMachineName: string,
  testCases: Record<string, Record<string, string>>,
  responses: Record<string, Record<string, MockedResponse>>,
): void {
  for (const [response, ranges] of Object.entries(responses)) {
    for (const [range, r] of Object.entries(ranges)) {
      if (!/^\d+(-\d+)?$/.test(range) || typeof r !== 'object' || r === null || ('Return' in r) === ('Throw' in r)) {
        throw new Error(`mocked response ${response}: expected { "<n>" | "<n>-<m>": { Return } | { Throw } }, got key ${JSON.stringify(range)}`);
      }
    }
  }
  const config = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SfnMockConfig) : { StateMachines: {}, MockedResponses: {} };
  const machine = (config.StateMachines[stateMachineName] ??= { TestCases: {} });
  Object.assign(machine.TestCases, testCases);
  Object.assign(config.MockedResponses, responses);
  for (const [name, states] of Object.entries(testCases)) {
    for (const [state, response] of Object.entries(states)) {
      if (!config.MockedResponses[response]) throw new Error(`test case ${name}: state ${state} names unknown mocked response ${response}`);
    }
  }
  write(path, config);
}

/**
 * Registers one test case for a state machine from state name → its responses (response names derived from a
 * fresh case name); returns the case name to start executions with (`<arn>#<case>`).
 */
export function addSfnMockTestCase(path: string, stateMachineName: string, states: Record<string, Record<string, MockedResponse>>): string {
  const name = `case${randomUUID().slice(0, 8)}`;
  addSfnMockTestCases(
    path,
    stateMachineName,
    { [name]: Object.fromEntries(Object.keys(states).map((s) => [s, `${name}-${s}`])) },
    Object.fromEntries(Object.entries(states).map(([s, r]) => [`${name}-${s}`, r])),
  );
  return name;
}

function write(path: string, config: SfnMockConfig): void {
  const before = existsSync(path) ? Math.floor(statSync(path).mtimeMs / 1000) : 0;
  writeFileSync(path, JSON.stringify(config, null, 2));
  const mtime = Math.max(Math.floor(Date.now() / 1000), before + 1);
  utimesSync(path, mtime, mtime);
}
