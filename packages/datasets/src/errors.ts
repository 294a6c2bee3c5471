import { LayerwiseError } from '@layerwise/core';

/** A data set could not be found, read or parsed. Every message names the file and what to do. */
export class DatasetError extends LayerwiseError {}

/** A data set's files (or the npm / Debian package that ships them) are not installed where looked for. */
export class DatasetNotFoundError extends DatasetError {}

/** An IDX file is malformed: bad magic number, unknown dtype, bad dimensions, truncated or too long. */
export class IdxFormatError extends DatasetError {}

/** A CSV table has a non-numeric cell, a ragged row, or no data; the message gives the line and column. */
export class CsvFormatError extends DatasetError {}
