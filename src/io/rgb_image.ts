/** The pixels every image decoder returns and every encoder and drawing routine takes. */

/** An 8-bit RGB image, pixels stored row-major as HWC (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}
