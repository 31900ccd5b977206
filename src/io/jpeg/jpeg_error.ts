/** A JPEG file this decoder cannot decode; decode.ts turns it into a FileFormatError naming the file. */
export class JpegError extends Error {
  /**
   * `unsupported`: a valid JPEG using a feature we do not decode (arithmetic coding, 12-bit);
   * `truncated`: the data ends before the decoder is done (where libjpeg would wait for more).
   */
  constructor(
    message: string,
    readonly kind: 'invalid' | 'unsupported' | 'truncated' = 'invalid',
  ) {
    super(message);
  }
}

/** The error for data that ends before the decoder has what it needs (PIL: "image file is truncated"). */
export function truncated(what: string): JpegError {
  return new JpegError(`data ends early, ${what}`, 'truncated');
}
