// What the integration suite reports back to its runner (written to FORMULA_LENS_TEST_REPORT), and how
// a test attaches a measured figure to it.

export interface IntegrationReport {
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; message: string }[];
  /** Figures tests measured inside the extension host, by name (e.g. activationMs). */
  measurements: Record<string, number>;
}

/** Attaches a figure to the running mocha test; the index collects it into the report when the test passes. */
export function recordMeasurement(context: Mocha.Context, name: string, value: number): void {
  const test = context.test as (Mocha.Test & { measurements?: Record<string, number> }) | undefined;
  if (!test) throw new Error('recordMeasurement must be called inside a running test');
  test.measurements = { ...test.measurements, [name]: value };
}
