// The bar the CLI redraws on a terminal during long work (indexing, training).

const BAR_WIDTH = 30;

/** `[#####-----]` for a fraction in 0..1. */
export function progressBar(fraction: number): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}
