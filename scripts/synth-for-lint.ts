/**
 * Writes what the outside linters check (.ci/lint-templates.sh): the synthesized template of each profile
 * (devnet, aztec; the image built from a context as `cdk deploy` would; Lambdas not bundled) and each of their
 * state machines' definitions as plain ASL (references resolved to placeholder ARNs, lib/local/template.ts).
 *
 *   tsx scripts/synth-for-lint.ts <out dir>  →  <out>/<profile>.template.json, <out>/<profile>.<logical id>.asl.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeProverTemplate } from '../lib/infra/prover-app.ts';
import { resolveIntrinsics, type CfnTemplate } from '../lib/local/template.ts';
import { PROFILE_NAMES } from '../lib/profile-names.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/synth-for-lint.ts <out dir>');
mkdirSync(out, { recursive: true });

const L1 = { rpcUrls: ['https://l1.example.org'], rollupAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3', proverAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' };
for (const profile of PROFILE_NAMES) {
  const template = synthesizeProverTemplate({ config: { profile, proverImageDirectory: 'test/infra/fixtures/prover-image', ...L1 } }) as unknown as CfnTemplate;
  writeFileSync(join(out, `${profile}.template.json`), JSON.stringify(template, null, 1));
  const machines = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  for (const [id, resource] of machines) {
    const definition = resolveIntrinsics(template, resource.Properties?.['DefinitionString']);
    if (typeof definition !== 'string') throw new Error(`${profile}: state machine ${id} has no DefinitionString`);
    writeFileSync(join(out, `${profile}.${id}.asl.json`), JSON.stringify(JSON.parse(definition), null, 1));
  }
  console.log(`${profile}: template and ${machines.length} state machine definition(s) in ${out}`);
}
