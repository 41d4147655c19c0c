/**
 * aws-local-stepfunctions runs Map states but not their `ItemReader` (it reads items from the state input
 * only). The cloud definition reads each level's items from S3 with ItemReader, so locally we emulate that one
 * AWS feature — not our workflow: every Map with an S3 JSON ItemReader gets a Task state in front of it that
 * performs the same s3:getObject (same Parameters) and puts the array where the Map then reads it.
 * Everything else in the definition is left exactly as synthesized.
 */
import { ProverError } from '../errors.ts';

type States = Record<string, Record<string, unknown>>;

export const ITEMS_FIELD = '__localItemReader';
const READER_STATE_SUFFIX = ' (local ItemReader)';

export interface ItemReaderState {
  readonly readerState: string;
  readonly mapState: string;
}

/** Rewrites `definition` in place; returns the inserted reader states (their handlers read S3). */
export function emulateItemReaders(definition: Record<string, unknown>): ItemReaderState[] {
  const inserted: ItemReaderState[] = [];
  visit(definition, inserted);
  return inserted;
}

function visit(machine: Record<string, unknown>, inserted: ItemReaderState[]): void {
  const states = machine['States'] as States | undefined;
  if (!states) return;
  for (const [name, state] of Object.entries(states)) {
    for (const branch of (state['Branches'] as Record<string, unknown>[] | undefined) ?? []) visit(branch, inserted);
    const processor = (state['ItemProcessor'] ?? state['Iterator']) as Record<string, unknown> | undefined;
    if (processor) visit(processor, inserted);
    const reader = state['ItemReader'] as { Resource?: string; Parameters?: unknown; ReaderConfig?: { InputType?: string } } | undefined;
    if (state['Type'] !== 'Map' || !reader) continue;
    if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSON') {
      throw new ProverError(`Map state "${name}": only S3 JSON ItemReaders can run locally`, { metaMessages: [JSON.stringify(reader)] });
    }
    const readerName = `${name}${READER_STATE_SUFFIX}`;
    states[readerName] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::s3:getObject',
      Parameters: reader.Parameters,
      ResultPath: `$.${ITEMS_FIELD}`,
      Next: name,
    };
    delete state['ItemReader'];
    state['ItemsPath'] = `$.${ITEMS_FIELD}`;
    redirect(machine, states, name, readerName);
    inserted.push({ readerState: readerName, mapState: name });
  }
}

/** Points every transition into `from` (Next, Default, Choices, Catch, StartAt) at `to`, except `to` itself. */
function redirect(machine: Record<string, unknown>, states: States, from: string, to: string): void {
  if (machine['StartAt'] === from) machine['StartAt'] = to;
  for (const [name, state] of Object.entries(states)) {
    if (name === to) continue;
    if (state['Next'] === from) state['Next'] = to;
    if (state['Default'] === from) state['Default'] = to;
    for (const choice of (state['Choices'] as Record<string, unknown>[] | undefined) ?? []) if (choice['Next'] === from) choice['Next'] = to;
    for (const c of (state['Catch'] as Record<string, unknown>[] | undefined) ?? []) if (c['Next'] === from) c['Next'] = to;
  }
}
