/**
 * `prover report`: one self-contained HTML file (inline SVG, no scripts, no external assets) with a Gantt chart
 * of every job of a run — queue wait, each attempt (failed ones outlined red), the run's critical path in
 * black — coloured by circuit, over the levels' spans, plus totals and what the jobs' time costs at c7a prices.
 *
 * The critical path shown is the observed one: from the root, back through the child that finished last,
 * i.e. the chain that actually held the root up (queueing included), not the longest chain of job times.
 */
import { C7A_ON_DEMAND_USD_PER_VCPU_HOUR, C7A_SPOT_USD_PER_VCPU_HOUR } from '../model/pricing.ts';
import type { RecordJob, RunRecords } from './run-records.ts';

export interface ReportSummary {
  readonly jobs: number;
  readonly jobsInGraph: number;
  /** t0 → the root's last attempt stopped (undefined when the root has no record). */
  readonly rootSeconds: number | undefined;
  /** t0 → the run closed, when known. */
  readonly closedSeconds: number | undefined;
  /** Σ attempts' wall. */
  readonly jobSeconds: number;
  readonly retries: number;
  readonly busyVcpuHours: number;
  readonly costUsd: { readonly spot: number; readonly onDemand: number };
  /** Job ids from a leaf to the root. */
  readonly criticalPath: readonly string[];
  readonly criticalPathSeconds: number | undefined;
}

export function summarizeRecords(records: RunRecords): ReportSummary {
  const byId = new Map(records.jobs.map((j) => [j.id, j]));
  const price = records.usdPerVcpuHour ?? { spot: C7A_SPOT_USD_PER_VCPU_HOUR, onDemand: C7A_ON_DEMAND_USD_PER_VCPU_HOUR };
  let jobSeconds = 0;
  let vcpuSeconds = 0;
  for (const job of records.jobs) {
    for (const a of job.attempts) {
      jobSeconds += (a.stoppedAt - a.startedAt) / 1000;
      vcpuSeconds += ((a.stoppedAt - a.startedAt) / 1000) * job.vcpus;
    }
  }
  const root = byId.get(records.graph.root);
  const rootStop = root ? stopOf(root) : undefined;
  const path = observedCriticalPath(records);
  const first = path[0] ? byId.get(path[0]) : undefined;
  return {
    jobs: records.jobs.length,
    jobsInGraph: records.graph.jobs.length,
    rootSeconds: rootStop === undefined ? undefined : (rootStop - records.t0) / 1000,
    closedSeconds: records.closedAt === undefined ? undefined : (records.closedAt - records.t0) / 1000,
    jobSeconds,
    retries: records.jobs.reduce((n, j) => n + j.attempts.length - 1, 0),
    busyVcpuHours: vcpuSeconds / 3600,
    costUsd: { spot: (vcpuSeconds / 3600) * price.spot, onDemand: (vcpuSeconds / 3600) * price.onDemand },
    criticalPath: path,
    criticalPathSeconds: rootStop !== undefined && first ? (rootStop - startOf(first)) / 1000 : undefined,
  };
}

/** From the root back through the child whose last attempt stopped last. */
export function observedCriticalPath(records: RunRecords): string[] {
  const byId = new Map(records.jobs.map((j) => [j.id, j]));
  const children = new Map(records.graph.jobs.map((j) => [j.id, j.children]));
  if (!byId.has(records.graph.root)) return [];
  const path: string[] = [];
  for (let id: string | undefined = records.graph.root; id !== undefined; ) {
    path.push(id);
    let last: RecordJob | undefined;
    for (const child of children.get(id) ?? []) {
      const job = byId.get(child);
      if (job && (!last || stopOf(job) > stopOf(last))) last = job;
    }
    id = last?.id;
  }
  return path.reverse();
}

const stopOf = (job: RecordJob) => job.attempts.at(-1)!.stoppedAt;
const startOf = (job: RecordJob) => job.submittedAt ?? job.attempts[0]!.startedAt;

/** Distinct, readable colours; job types get them in order of first appearance in the graph. */
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (seconds: number) => (seconds >= 100 ? seconds.toFixed(0) : seconds.toFixed(1));
const usd = (value: number) => (value >= 100 ? `$${value.toFixed(0)}` : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);

export function renderRunReport(records: RunRecords): string {
  const summary = summarizeRecords(records);
  const critical = new Set(summary.criticalPath);
  const levelOf = new Map<string, number>();
  records.levels.forEach((items, level) => items.forEach((item) => item.forEach((id) => levelOf.set(id, level))));
  const colours = new Map<string, string>();
  for (const job of records.graph.jobs) if (!colours.has(job.type)) colours.set(job.type, PALETTE[colours.size % PALETTE.length]!);

  const rows = [...records.jobs].sort((a, b) => (levelOf.get(a.id) ?? 0) - (levelOf.get(b.id) ?? 0) || startOf(a) - startOf(b));
  const t = (ms: number) => (ms - records.t0) / 1000;
  const end = Math.max(1, ...records.jobs.map((j) => t(stopOf(j))), summary.closedSeconds ?? 0);
  const rowHeight = Math.max(2, Math.min(16, Math.floor(9000 / Math.max(1, rows.length))));
  const labels = rowHeight >= 10;
  const left = labels ? 260 : 20;
  const width = 1400;
  const plotWidth = width - left - 20;
  const top = 30;
  const height = top + rows.length * rowHeight + 10;
  const x = (seconds: number) => left + (seconds / end) * plotWidth;

  const recorded = new Map(records.jobs.map((j) => [j.id, j]));
  const parts: string[] = [];
  // Level spans, alternately shaded — only when they are barriers (each starts after the previous ended).
  const spans = records.levels.map((items) => {
    const jobs = items.flat().flatMap((id) => recorded.get(id) ?? []);
    return jobs.length === 0 ? undefined : { items: items.length, from: Math.min(...jobs.map((j) => t(startOf(j)))), to: Math.max(...jobs.map((j) => t(stopOf(j)))) };
  });
  const barriers = spans.every((span, i) => !span || i === 0 || !spans[i - 1] || span.from >= spans[i - 1]!.to - 1e-6);
  if (barriers) {
    spans.forEach((span, level) => {
      if (!span) return;
      parts.push(`<rect x="${x(span.from).toFixed(1)}" y="${top}" width="${Math.max(1, x(span.to) - x(span.from)).toFixed(1)}" height="${height - top - 10}" fill="${level % 2 ? '#f3f3f3' : '#e8eef7'}"><title>level ${level}: ${fmt(span.from)}–${fmt(span.to)} s, ${span.items} items</title></rect>`);
    });
  }
  // Time axis.
  const step = niceStep(end / 10);
  for (let s = 0; s <= end + 1e-9; s += step) {
    parts.push(`<line x1="${x(s).toFixed(1)}" y1="${top - 4}" x2="${x(s).toFixed(1)}" y2="${height - 10}" stroke="#ccc" stroke-width="0.5"/><text x="${x(s).toFixed(1)}" y="${top - 8}" font-size="10" text-anchor="middle">${fmt(s)} s</text>`);
  }
  rows.forEach((job, r) => {
    const y = top + r * rowHeight;
    const h = Math.max(1, rowHeight - (rowHeight >= 6 ? 2 : 0));
    const onPath = critical.has(job.id);
    const level = levelOf.get(job.id);
    if (labels) {
      parts.push(`<text x="4" y="${y + h - 3}" font-size="10"${onPath ? ' font-weight="bold"' : ''}>${escape(`${job.type} ${job.id.slice(0, 10)}`)}</text>`);
    }
    if (job.submittedAt !== undefined && job.submittedAt < job.attempts[0]!.startedAt) {
      const q0 = t(job.submittedAt);
      const q1 = t(job.attempts[0]!.startedAt);
      parts.push(`<rect x="${x(q0).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(q1) - x(q0)).toFixed(1)}" height="${h}" fill="#bbb" opacity="0.5"><title>${escape(`${job.type} ${job.id}: queued ${fmt(q1 - q0)} s`)}</title></rect>`);
    }
    job.attempts.forEach((a, i) => {
      const a0 = t(a.startedAt);
      const a1 = t(a.stoppedAt);
      const tip = `${job.type} ${job.id}${level === undefined ? '' : `, level ${level}`}: attempt ${i + 1} ${fmt(a0)}–${fmt(a1)} s (${fmt(a1 - a0)} s)${a.ok ? '' : ` failed: ${a.reason ?? ''}`}${job.proveMs !== undefined && a.ok ? `, bb ${fmt(job.proveMs / 1000)} s` : ''}${onPath ? ', on the critical path' : ''}`;
      const stroke = !a.ok ? ' stroke="#d00" stroke-width="1.5"' : onPath ? ' stroke="#000" stroke-width="1.5"' : '';
      parts.push(`<rect x="${x(a0).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(a1) - x(a0)).toFixed(1)}" height="${h}" fill="${a.ok ? colours.get(job.type) : '#fff'}"${stroke}><title>${escape(tip)}</title></rect>`);
    });
  });

  const legend = [...colours].map(([type, colour]) => `<span class="swatch"><i style="background:${colour}"></i>${escape(type)}</span>`).join(' ');
  const typeOf = new Map(records.graph.jobs.map((j) => [j.id, j.type]));
  const total = (label: string, value: string) => `<tr><th>${escape(label)}</th><td>${value}</td></tr>`;
  const s = summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(`run ${records.run}`)}</title>
<style>body{font:13px system-ui,sans-serif;margin:16px;color:#222}table{border-collapse:collapse;margin:8px 0}th,td{text-align:left;padding:2px 12px 2px 0}th{font-weight:600}
.swatch{display:inline-block;margin-right:12px}.swatch i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}.notes{color:#555}</style></head>
<body>
<h1 style="font-size:18px">${escape(`${records.profile} run ${records.run}`)} <small>(${escape(records.source)})</small></h1>
<table>
${total('jobs', `${s.jobs} of ${s.jobsInGraph} in the graph${s.retries ? `, ${s.retries} retried attempt(s)` : ''}${records.concurrency ? `, concurrency ${records.concurrency}` : ''}`)}
${total('time 0 → root proof', s.rootSeconds === undefined ? 'the root has not run' : `${fmt(s.rootSeconds)} s`)}
${s.closedSeconds === undefined ? '' : total('time 0 → run closed', `${fmt(s.closedSeconds)} s`)}
${total('critical path (observed)', s.criticalPathSeconds === undefined ? '–' : `${fmt(s.criticalPathSeconds)} s over ${s.criticalPath.length} jobs: ${escape(s.criticalPath.map((id) => typeOf.get(id) ?? id).join(' → '))}`)}
${total('job time', `${fmt(s.jobSeconds)} s, ${s.busyVcpuHours.toFixed(s.busyVcpuHours >= 10 ? 0 : 3)} vCPU-hours on the jobs' classes`)}
${total('$ of the job time (c7a)', `${usd(s.costUsd.spot)} spot / ${usd(s.costUsd.onDemand)} on-demand (busy vCPUs only: idle instances, the warm pool and Step Functions are not in it)`)}
</table>
${(records.notes ?? []).map((n) => `<p class="notes">${escape(n)}</p>`).join('\n')}
<p>${legend} <span class="swatch"><i style="background:#bbb;opacity:.5"></i>queued</span> <span class="swatch"><i style="background:#fff;border:1.5px solid #d00"></i>failed attempt</span> <span class="swatch"><i style="background:#fff;border:1.5px solid #000"></i>critical path</span></p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui,sans-serif">
${parts.join('\n')}
</svg>
</body></html>
`;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
