import { describe, expect, it } from 'vitest';
import { formatReports } from '../bench/lib/format-table.ts';
import type { BenchReport, Measurement } from '../bench/lib/report.ts';
import { benchModules } from '../bench/modules.ts';

/*
 * Runs every bench module's quick mode in-process and checks what it reports, never how fast
 * anything was: timings belong to `npm run bench`, not to a test that must pass on any machine.
 * LangGraph.js is not installed from here; where it is missing, its bench must say so.
 */

function expectMeasurement(measurement: Measurement): void {
  expect(measurement.label).toMatch(/\S/);
  expect(measurement.unit).toMatch(/\S/);
  expect(Number.isFinite(measurement.value)).toBe(true);
  expect(measurement.value).toBeGreaterThan(0);
}

function expectShape(report: BenchReport): void {
  expect(report.title).toMatch(/\S/);
  if (report.status === 'unavailable') {
    expect(report.reason).toMatch(/\S/);
    expect(report.figures).toEqual([]);
    return;
  }
  expect(report.status).toBe('ok');
  expect(report.figures.length).toBeGreaterThan(0);
  for (const figure of report.figures) {
    expect(figure.name).toMatch(/\S/);
    expect(figure.ratioOf).toMatch(/\S/);
    expectMeasurement(figure.baseline);
    expectMeasurement(figure.measured);
    expect(figure.ratio).toBeCloseTo(figure.measured.value / figure.baseline.value, 10);
    if (figure.bar !== undefined) {
      const { min, max, met } = figure.bar;
      expect(min !== undefined || max !== undefined).toBe(true);
      expect(met).toBe((min === undefined || figure.ratio >= min) && (max === undefined || figure.ratio <= max));
    }
  }
  for (const value of Object.values(report.details)) expect(['string', 'number', 'boolean']).toContain(typeof value);
}

describe('bench modules in quick mode', () => {
  it('have distinct ids', () => {
    const ids = benchModules.map((module) => module.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const module of benchModules) {
    it(`${module.id}: reports ratios against a baseline measured in the same run`, async () => {
      const report = await module.run({ quick: true, log: () => undefined, installPeers: false });
      expect(report.id).toBe(module.id);
      expectShape(report);
      const table = formatReports([report]);
      expect(table).toContain(report.title);
      for (const figure of report.figures) expect(table).toContain(figure.name);
      // A time budget, not a measurement: quick mode starts servers and processes, slower on a loaded machine.
    }, 120_000);
  }
});
