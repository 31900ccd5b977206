/** An 8-bit RGB image, pixels stored row-major as HWC (`data.length === width * height * 3`). */
export interface RgbImage {
    width: number;
    height: number;
    data: Uint8Array;
}
/** Reads and decodes an image file; every failure is a FileFormatError naming the file. */
export declare function readImage(path: string): RgbImage;
/** Decodes PNG or JPEG bytes; `source` names the file in error messages. */
export declare function decodeImage(bytes: Uint8Array, source: string): RgbImage;
/** Encodes an RGB image as an 8-bit truecolour PNG. */
export declare function encodePng(img: RgbImage): Uint8Array;
/** Writes an RGB image as PNG atomically (temporary file, then rename). */
export declare function writePng(path: string, img: RgbImage): void;
