// A PDF formula's crop as the catalogue keeps it and the results view shows it: an 8-bit grey PNG, dark ink on
// white paper (compressed, about a tenth of the raw pixels), and back to the encoder's pixels (255 = ink).
import { deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** `height × width` ink bytes (0 = paper, 255 = ink) as a grey PNG of the same size, ink drawn dark. */
export function cropToPng(ink: Uint8Array, width: number, height: number): Buffer {
  if (ink.length !== width * height) throw new Error(`a ${width}×${height} crop has ${width * height} pixels, not ${ink.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grey, deflate, adaptive filtering, no interlace
  const rows = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    rows[y * (width + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = 255 - ink[y * width + x]!;
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

/** The ink bytes of a PNG that `cropToPng` wrote; throws on any other PNG (another size, depth or filter). */
export function pngToCrop(png: Uint8Array, width: number, height: number): Uint8Array {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const data: Buffer[] = [];
  let headerOk = false;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') headerOk = body.readUInt32BE(0) === width && body.readUInt32BE(4) === height && body[8] === 8 && body[9] === 0;
    if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  if (!headerOk) throw new Error(`not a ${width}×${height} 8-bit grey crop`);
  const rows = inflateSync(Buffer.concat(data));
  const ink = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    if (rows[y * (width + 1)] !== 0) throw new Error('a crop PNG row uses a filter');
    for (let x = 0; x < width; x++) ink[y * width + x] = 255 - rows[y * (width + 1) + 1 + x]!;
  }
  return ink;
}
