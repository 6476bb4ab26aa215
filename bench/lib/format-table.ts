import type { BenchReport, Figure } from './report.ts';

/**
 * Renders reports as plain text, one block per bench module: a line per figure with its ratio
 * and bar, then the two measurements behind the ratio.
 */
export function formatReports(reports: readonly BenchReport[]): string {
  return reports.map(formatReport).join('\n\n');
}

function formatReport(report: BenchReport): string {
  const heading = `${report.title} [${report.id}]`;
  if (report.status !== 'ok') return `${heading}\n  ${report.status}: ${report.reason ?? 'no reason given'}`;
  const nameWidth = Math.max(...report.figures.map((figure) => figure.name.length));
  const labelWidth = Math.max(...report.figures.flatMap((figure) => [figure.baseline.label.length, figure.measured.label.length]));
  return [heading, ...report.figures.map((figure) => formatFigure(figure, nameWidth, labelWidth))].join('\n');
}

function formatFigure(figure: Figure, nameWidth: number, labelWidth: number): string {
  const ratio = `${formatNumber(figure.ratio)}x`.padStart(7);
  const bar = figure.bar === undefined ? '' : `  bar ${figure.bar.text}: ${figure.bar.met ? 'met' : 'NOT MET'}`;
  const line = (role: string, label: string, value: number, unit: string) =>
    `      ${role}  ${label.padEnd(labelWidth)}  ${formatNumber(value).padStart(8)} ${unit}`;
  return [
    `  ${figure.name.padEnd(nameWidth)}  ${ratio}  ${figure.ratioOf}${bar}`,
    line('baseline', figure.baseline.label, figure.baseline.value, figure.baseline.unit),
    line('measured', figure.measured.label, figure.measured.value, figure.measured.unit),
  ].join('\n');
}

/** Three significant digits or so: enough to read, not so many that noise looks like signal. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
