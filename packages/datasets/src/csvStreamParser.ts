import { CsvFormatError } from './errors.js';

/** One CSV record: its cells and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Default cap on one record's length (a line, or a quoted multi-line record): 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/**
 * An incremental RFC 4180 parser: feed it text chunks, take complete records out. Quotes (with `""`
 * escapes and line breaks inside), LF, CRLF or CR line ends, a leading BOM and blank lines are handled; a
 * record longer than `maxLineBytes` (counted in UTF-16 code units: bytes for ASCII) is a CsvFormatError
 * naming its line, raised as soon as the record grows past the cap (nothing larger is ever held).
 */
export class CsvStreamParser {
  #pending = '';
  #line = 1;
  #started = false;

  /** @param startLine the line number of the first text pushed (after skipped lines). Default 1. */
  constructor(
    readonly delimiter: string,
    readonly name: string,
    readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
    startLine = 1,
  ) {
    this.#line = startLine;
  }

  /** The line the unparsed rest starts on. */
  get line(): number {
    return this.#line;
  }

  /** Text not yet parsed into records (an incomplete last record). */
  get pendingText(): string {
    return this.#pending;
  }

  /** Adds text; returns the records it completed. */
  push(text: string): CsvRecord[] {
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.#pending += text;
    // A record can only end at a line break: without one there is nothing new to parse.
    if (!/[\r\n]/.test(text)) {
      this.#checkLength(this.#pending.length);
      return [];
    }
    return this.#parse(false);
  }

  /** Ends the input; returns the last records. */
  end(): CsvRecord[] {
    return this.#parse(true);
  }

  #checkLength(length: number, line = this.#line): void {
    if (length > this.maxLineBytes) {
      throw new CsvFormatError(
        `${this.name}, line ${line}: the record is longer than maxLineBytes (${this.maxLineBytes}); a numeric CSV row is never this long — the file is not line-delimited CSV, or raise maxLineBytes.`,
      );
    }
  }

  #parse(final: boolean): CsvRecord[] {
    const text = this.#pending;
    const n = text.length;
    const d = this.delimiter.charCodeAt(0);
    const out: CsvRecord[] = [];
    let i = 0;
    let line = this.#line;
    for (;;) {
      // One record from i; `consumed` stays at the record start if it is incomplete.
      const recordStart = i;
      const recordLine = line;
      const cells: string[] = [];
      let quotedAny = false;
      let complete = false;
      let atEnd = false;
      if (i >= n) break;
      for (;;) {
        // One cell.
        let j = i;
        while (j < n && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
        let cell: string;
        let k: number;
        if (j < n && text.charCodeAt(j) === QUOTE) {
          quotedAny = true;
          let buf = '';
          k = j + 1;
          let closed = false;
          for (;;) {
            const q = text.indexOf('"', k);
            if (q < 0) break;
            buf += text.slice(k, q);
            if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
              buf += '"';
              k = q + 2;
              continue;
            }
            if (q + 1 >= n && !final) break; // `"` at the end: maybe the first of `""`
            k = q + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (final) {
              throw new CsvFormatError(
                `${this.name}: a quoted cell opened on line ${recordLine} is never closed.`,
              );
            }
            break; // incomplete record
          }
          // Text after the closing quote, up to the delimiter or line end, belongs to the cell.
          let e = k;
          while (e < n) {
            const c = text.charCodeAt(e);
            if (c === d || c === LF || c === CR) break;
            e++;
          }
          cell = buf + text.slice(k, e);
          for (let p = j; p < k; p++) if (text.charCodeAt(p) === LF) line++;
          k = e;
        } else {
          k = j;
          while (k < n) {
            const c = text.charCodeAt(k);
            if (c === d || c === LF || c === CR) break;
            k++;
          }
          cell = text.slice(i, k);
        }
        if (k >= n) {
          if (!final) break; // incomplete record
          cells.push(cell);
          complete = true;
          atEnd = true;
          break;
        }
        const c = text.charCodeAt(k);
        cells.push(cell);
        if (c === d) {
          i = k + 1;
          continue;
        }
        // A line end: CRLF, LF or CR. A CR at the very end may be the first half of a CRLF.
        if (c === CR) {
          if (k + 1 >= n && !final) {
            cells.length = 0;
            break;
          }
          i = k + 1 < n && text.charCodeAt(k + 1) === LF ? k + 2 : k + 1;
        } else {
          i = k + 1;
        }
        line++;
        complete = true;
        break;
      }
      if (!complete) {
        i = recordStart;
        line = recordLine;
        break;
      }
      this.#checkLength((atEnd ? n : i) - recordStart, recordLine);
      if (!(cells.length === 1 && cells[0]!.trim() === '' && !quotedAny))
        out.push({ line: recordLine, cells });
      if (atEnd) {
        i = n;
        break;
      }
    }
    this.#pending = text.slice(i);
    this.#line = line;
    if (!final) this.#checkLength(this.#pending.length);
    return out;
  }
}

/**
 * Index of the first byte of `bytes` that is not valid UTF-8, or -1. Up to three continuation bytes at the
 * start are taken as the end of a character begun in the previous chunk.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i++;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= bytes.length) return -1; // continues in the next chunk
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return -1;
}
