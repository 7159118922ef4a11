// Whether a Redis/Valkey RDB file is whole: a known signature, the EOF opcode where it belongs and the
// CRC64 Redis appends (RDB version 5 on) matching every byte before it. Read as a stream, in memory that
// does not grow with the file, so an S3 object of many gigabytes can be checked as it passes through.

/** RDB files start with `REDIS` and 4 ASCII digits or, from Valkey 9, `VALKEY` and 3: the RDB version. */
const SIGNATURES = [
  { name: 'REDIS', magic: 'REDIS', digits: 4 },
  { name: 'VALKEY', magic: 'VALKEY', digits: 3 },
] as const;

export type RdbSignature = (typeof SIGNATURES)[number]['name'];

/** Every signature is 9 bytes long. */
const SIGNATURE_LENGTH = 9;

/** The EOF opcode, which the checksum follows. */
const EOF_OPCODE = 0xff;

const CHECKSUM_LENGTH = 8;

/** RDB version 5 (Redis 2.6) added the checksum; older files end at the EOF opcode. */
const FIRST_CHECKSUMMED_VERSION = 5;

export type RdbStatus = 'intact' | 'corrupt' | 'unverifiable';

/** What is wrong, for code; `problem` says it for an operator. */
export type RdbFlaw =
  | 'not-rdb'
  | 'too-short'
  | 'version-without-checksum'
  | 'no-eof-marker'
  | 'checksum-mismatch'
  | 'checksum-disabled';

interface RdbFacts {
  /** How many bytes were read. */
  readonly bytes: number;
  readonly signature?: RdbSignature;
  /** The RDB version the signature gives (11 for `REDIS0011`, 80 for `VALKEY080`). */
  readonly version?: number;
  /** The checksum in the file and the one its bytes give, as 16 lowercase hex digits. */
  readonly storedCrc?: string;
  readonly computedCrc?: string;
}

export type RdbVerdict =
  | (RdbFacts & { readonly status: 'intact' })
  | (RdbFacts & {
      readonly status: Exclude<RdbStatus, 'intact'>;
      readonly flaw: RdbFlaw;
      /** One sentence an operator understands, naming what is wrong. */
      readonly problem: string;
    });

// CRC64 as Redis computes it (crc64.c, "Jones"): reflected polynomial 0x95ac9329ac4bc9b5, initial value 0,
// no final xor. JavaScript's bitwise operators are 32-bit, so each 64-bit value is a pair of halves; BigInt
// per byte would be far too slow for gigabytes. Slicing-by-8: TABLE_k[n] is the CRC of byte n followed by k
// zero bytes, which lets eight bytes be folded in with eight look-ups.
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;
const TABLE_LO = new Uint32Array(8 * 256);
const TABLE_HI = new Uint32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let lo = n;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = (lo >>> 1) | (hi << 31);
    hi = hi >>> 1;
    if (carry !== 0) {
      lo ^= POLY_LO;
      hi ^= POLY_HI;
    }
  }
  TABLE_LO[n] = lo;
  TABLE_HI[n] = hi;
}
for (let k = 1; k < 8; k++) {
  for (let n = 0; n < 256; n++) {
    const lo = TABLE_LO[(k - 1) * 256 + n]!;
    const hi = TABLE_HI[(k - 1) * 256 + n]!;
    const index = lo & 0xff;
    TABLE_LO[k * 256 + n] = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index]!;
    TABLE_HI[k * 256 + n] = (hi >>> 8) ^ TABLE_HI[index]!;
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** Redis's CRC64 fed in pieces: `update` as often as needed, `hex` at any point. */
export class Crc64 {
  #lo = 0;
  #hi = 0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let lo = this.#lo;
    let hi = this.#hi;
    let i = start;
    // DataView reads a little-endian word in one go: a quarter faster than assembling it from four bytes.
    const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const last = end - 8; i <= last; i += 8) {
      const a = lo ^ words.getUint32(i, true);
      const b = hi ^ words.getUint32(i + 4, true);
      // The first byte has seven more to pass through (table 7), the eighth none (table 0).
      const i7 = 1792 + (a & 0xff);
      const i6 = 1536 + ((a >>> 8) & 0xff);
      const i5 = 1280 + ((a >>> 16) & 0xff);
      const i4 = 1024 + (a >>> 24);
      const i3 = 768 + (b & 0xff);
      const i2 = 512 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = TABLE_LO[i7]! ^ TABLE_LO[i6]! ^ TABLE_LO[i5]! ^ TABLE_LO[i4]! ^ TABLE_LO[i3]! ^ TABLE_LO[i2]! ^ TABLE_LO[i1]! ^ TABLE_LO[i0]!;
      hi = TABLE_HI[i7]! ^ TABLE_HI[i6]! ^ TABLE_HI[i5]! ^ TABLE_HI[i4]! ^ TABLE_HI[i3]! ^ TABLE_HI[i2]! ^ TABLE_HI[i1]! ^ TABLE_HI[i0]!;
    }
    for (; i < end; i++) {
      const index = (lo ^ bytes[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index]!;
      hi = (hi >>> 8) ^ TABLE_HI[index]!;
    }
    this.#lo = lo;
    this.#hi = hi;
    return this;
  }

  /** The CRC so far as 16 lowercase hex digits, most significant first. */
  get hex(): string {
    return hex32(this.#hi) + hex32(this.#lo);
  }
}

/** Redis's CRC64 of `bytes` as 16 lowercase hex digits (of "123456789": e9c6d914c4b8d9ca). */
export function crc64(bytes: Uint8Array): string {
  return new Crc64().update(bytes).hex;
}

const ascii = (text: string, at: number) => text.charCodeAt(at);
const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;

/**
 * What the first bytes of a file say: a signature and version, `partial` while they could still become
 * one (fewer than 9 bytes), or `foreign` once they cannot.
 */
function readSignature(head: Uint8Array): { signature: RdbSignature; version: number } | 'partial' | 'foreign' {
  for (const { name, magic, digits } of SIGNATURES) {
    const fits = head.every((byte, at) => (at < magic.length ? byte === ascii(magic, at) : isDigit(byte)));
    if (!fits) continue;
    if (head.length < magic.length + digits) return 'partial';
    return { signature: name, version: Number(String.fromCharCode(...head.subarray(magic.length))) };
  }
  return 'foreign';
}

/** Bytes as a quoted string an operator can read in a log: printable ASCII as is, the rest as \xNN. */
function printable(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    const plain = byte >= 0x20 && byte <= 0x7e && byte !== 0x22 && byte !== 0x5c;
    text += plain ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `"${text}"`;
}

const byteHex = (byte: number) => `0x${byte.toString(16).padStart(2, '0')}`;

/**
 * Checks an RDB file fed to it in chunks of any size (one byte, or the signature split across chunks, is
 * fine). It keeps the first 9 bytes, the last 8 and the running CRC: its memory does not depend on the
 * file. The last 8 bytes are held back until more arrive, since whether they are the checksum or data is
 * only known at the end.
 *
 * Its blind spot is Redis's own: whole dumps back to back pass (a dump's CRC taken over its checksum too is
 * 0, where the next one starts), as they pass redis-check-rdb; redis-server loads the first and ignores
 * the rest. Which data a file holds is for the restore test to show.
 */
export class RdbIntegrityCheck {
  readonly #crc = new Crc64();
  readonly #head = new Uint8Array(SIGNATURE_LENGTH);
  readonly #tail = new Uint8Array(CHECKSUM_LENGTH);
  #tailLength = 0;
  #bytes = 0;
  /** The last byte that went into the CRC: the EOF opcode in a whole file. */
  #lastCounted = -1;

  update(chunk: Uint8Array): this {
    if (this.#bytes < SIGNATURE_LENGTH) {
      const wanted = chunk.subarray(0, SIGNATURE_LENGTH - this.#bytes);
      this.#head.set(wanted, this.#bytes);
    }
    this.#bytes += chunk.length;

    // Everything but the last 8 bytes seen so far goes into the CRC: first what was held back, then the chunk.
    const counted = this.#tailLength + chunk.length - CHECKSUM_LENGTH;
    if (counted <= 0) {
      this.#tail.set(chunk, this.#tailLength);
      this.#tailLength += chunk.length;
      return this;
    }
    const fromTail = Math.min(this.#tailLength, counted);
    const fromChunk = counted - fromTail;
    this.#crc.update(this.#tail, 0, fromTail);
    this.#crc.update(chunk, 0, fromChunk);
    this.#lastCounted = fromChunk > 0 ? chunk[fromChunk - 1]! : this.#tail[fromTail - 1]!;
    // The new last 8: what is left of the held bytes, then the rest of the chunk.
    this.#tail.copyWithin(0, fromTail, this.#tailLength);
    this.#tail.set(chunk.subarray(fromChunk), this.#tailLength - fromTail);
    this.#tailLength = CHECKSUM_LENGTH;
    return this;
  }

  /** The verdict on the bytes so far, as if the file ended here (it changes nothing: more may follow). */
  finish(): RdbVerdict {
    const bytes = this.#bytes;
    if (bytes === 0) return { status: 'corrupt', bytes, flaw: 'too-short', problem: 'The file is empty (0 bytes): no RDB file was written, or it was truncated.' };
    const head = this.#head.subarray(0, Math.min(bytes, SIGNATURE_LENGTH));
    const read = readSignature(head);
    if (read === 'foreign') {
      const problem = `Not an RDB file: it starts with ${printable(head)}, where an RDB file starts with REDIS and 4 digits (or VALKEY and 3).`;
      return { status: 'corrupt', bytes, flaw: 'not-rdb', problem };
    }
    if (read === 'partial') {
      const problem = `Too short for an RDB file: ${bytes} bytes (${printable(head)}), not even its 9-byte signature (truncated?).`;
      return { status: 'corrupt', bytes, flaw: 'too-short', problem };
    }

    const { signature, version } = read;
    const facts = { bytes, signature, version };
    if (signature === 'REDIS' && version < FIRST_CHECKSUMMED_VERSION) {
      // Such a file ends at its EOF opcode: that much can still be checked.
      if (bytes < SIGNATURE_LENGTH + 1) {
        return { ...facts, status: 'corrupt', flaw: 'too-short', problem: tooShort(bytes, version, SIGNATURE_LENGTH + 1, 'the signature and the EOF marker') };
      }
      const lastByte = this.#tail[this.#tailLength - 1]!;
      if (lastByte !== EOF_OPCODE) {
        const problem = `No EOF marker: the last byte is ${byteHex(lastByte)} where an RDB version ${version} file ends with 0xff (truncated, or something appended?).`;
        return { ...facts, status: 'corrupt', flaw: 'no-eof-marker', problem };
      }
      const problem = `RDB version ${version} (Redis 2.4 or older) has no checksum: its contents cannot be verified.`;
      return { ...facts, status: 'unverifiable', flaw: 'version-without-checksum', problem };
    }

    const smallest = SIGNATURE_LENGTH + 1 + CHECKSUM_LENGTH;
    if (bytes < smallest) {
      return { ...facts, status: 'corrupt', flaw: 'too-short', problem: tooShort(bytes, version, smallest, 'the signature, the EOF marker and the 8-byte checksum') };
    }
    // The checksum is stored little-endian: its last byte is the most significant.
    const storedCrc = Array.from(this.#tail, (byte) => byte.toString(16).padStart(2, '0'))
      .reverse()
      .join('');
    const computedCrc = this.#crc.hex;
    const sums = { ...facts, storedCrc, computedCrc };
    if (this.#lastCounted !== EOF_OPCODE) {
      const at = bytes - CHECKSUM_LENGTH - 1;
      const problem = `No EOF marker before the checksum: byte ${at} of ${bytes} is ${byteHex(this.#lastCounted)} where 0xff belongs (truncated, or something appended?).`;
      return { ...sums, status: 'corrupt', flaw: 'no-eof-marker', problem };
    }
    // Redis writes zeros there with `rdbchecksum no`, and skips the check when loading such a file.
    if (storedCrc === '0'.repeat(16)) {
      const problem = 'Written without a checksum (the server ran with rdbchecksum no): its contents cannot be verified.';
      return { ...sums, status: 'unverifiable', flaw: 'checksum-disabled', problem };
    }
    if (storedCrc !== computedCrc) {
      const problem = `Checksum mismatch: the file records ${storedCrc} but its bytes give ${computedCrc}: some of them changed after Redis wrote it.`;
      return { ...sums, status: 'corrupt', flaw: 'checksum-mismatch', problem };
    }
    return { ...sums, status: 'intact' };
  }
}

function tooShort(bytes: number, version: number, smallest: number, parts: string): string {
  return `Too short for an RDB file: ${bytes} bytes, where even an empty RDB version ${version} file has ${smallest} (${parts}): truncated?`;
}

/** Reads a whole RDB file (an S3 `GetObject` Body, an fs ReadStream) and gives its verdict. */
export async function checkRdbStream(source: AsyncIterable<Uint8Array>): Promise<RdbVerdict> {
  const check = new RdbIntegrityCheck();
  for await (const chunk of source) check.update(chunk);
  return check.finish();
}
