// Deterministic random unit vectors for index tests and benches (from a seeded PRNG, so runs repeat).

/** A random direction in `dimensions` dimensions (normal components via Box–Muller, normalised). */
export function randomUnitVector(random: () => number, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    vector[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] /= norm;
  return vector;
}

/** A unit vector close to `centre` (cosine about 1 - spread²/2), for clusters of similar formulas. */
export function nearbyUnitVector(random: () => number, centre: Float32Array, spread: number): Float32Array {
  const noise = randomUnitVector(random, centre.length);
  const vector = centre.map((value, i) => value + spread * noise[i]);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}
