/** A JPEG file this decoder cannot decode; decode.ts turns it into a FileFormatError naming the file. */
export class JpegError extends Error {
  /** `unsupported`: a valid JPEG using a feature outside what we decode (arithmetic coding, 12-bit). */
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** The error for data that ends before the decoder has what it needs (PIL: "image file is truncated"). */
export function truncated(what: string): JpegError {
  return new JpegError(`data ends early, ${what}`);
}
