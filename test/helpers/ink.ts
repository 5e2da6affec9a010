// Where a bitmap's ink is, for tests of the encoder's pictures (rendered or cropped from a PDF).

/** The columns that hold any ink, as [first, last] (first > last when there is none). */
export function inkColumns(pixels: Uint8Array, width: number): [number, number] {
  let first = width;
  let last = -1;
  pixels.forEach((value, i) => {
    if (value > 0) {
      first = Math.min(first, i % width);
      last = Math.max(last, i % width);
    }
  });
  return [first, last];
}
