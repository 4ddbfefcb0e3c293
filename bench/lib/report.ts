import type { ScenarioResult, VariantResult } from './scenario';

const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));
/** Throughput to 3 significant figures without exponent noise. */
const rate = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function renderTable(columns: string[], rows: (string | number)[][]): string {
  const cells = [columns, ...rows.map((row) => row.map(String))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  // First column left-aligned (names), numbers right-aligned.
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function variantRows(variants: VariantResult[]): { columns: string[]; rows: (string | number)[][] } {
  return {
    columns: ['variant', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU µs/op', 'client CPU %', 'vs baseline'],
    rows: variants.map((v) => [
      v.name,
      rate(v.throughput),
      fixed(v.latency.p50Ms, 2),
      fixed(v.latency.p99Ms, 2),
      v.errors,
      fixed(v.serverCpuUsPerOp, 0),
      fixed(v.clientCpuPercent, 0),
      v.baseline ? 'baseline' : v.vsBaseline === undefined ? '—' : `${v.vsBaseline.toFixed(2)}×`,
    ]),
  };
}

/** One scenario as text: title, table, headline figures, notes. */
export function renderScenario(result: ScenarioResult): string {
  const out = [`## ${result.title}`];
  if (result.skipped) {
    out.push(`skipped: ${result.skipped}`);
    return out.join('\n');
  }
  if (result.variants.length > 0) {
    const { columns, rows } = variantRows(result.variants);
    out.push(renderTable(columns, rows));
  }
  if (result.table) out.push(renderTable(result.table.columns, result.table.rows));
  for (const [name, value] of Object.entries(result.figures)) out.push(`  ${name}: ${fixed(value, 2)}`);
  for (const variant of result.variants) {
    if (variant.firstError)
      out.push(
        `  ${variant.name}: ${variant.errors} errors (${Object.entries(variant.errorKinds)
          .map(([k, n]) => `${k} ×${n}`)
          .join(', ')}); first: ${variant.firstError}`,
      );
    const byProcess = Object.entries(variant.serverCpuUsPerOpByProcess ?? {})
      .filter(([, us]) => us > 0)
      .sort(([, a], [, b]) => b - a);
    if (byProcess.length > 1) {
      const amount = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} µs`);
      out.push(`  ${variant.name}: server CPU per operation by process: ${byProcess.map(([name, us]) => `${name} ${amount(us)}`).join(', ')}`);
    }
    for (const [part, summary] of Object.entries(variant.parts ?? {})) {
      out.push(`  ${variant.name} / ${part}: p50 ${fixed(summary.p50Ms, 2)} ms, p99 ${fixed(summary.p99Ms, 2)} ms`);
    }
  }
  for (const note of result.notes) out.push(`  note: ${note}`);
  return out.join('\n');
}

export { renderTable };
