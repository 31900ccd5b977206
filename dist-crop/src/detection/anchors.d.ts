export declare class AnchorGenerator {
    /** Anchor side lengths per level (for aspect ratio 1). */
    readonly sizes: readonly (readonly number[])[];
    /** Height / width ratios per level. */
    readonly aspectRatios: readonly (readonly number[])[];
    private readonly cells;
    /** Defaults are Faster R-CNN R50-FPN's: one size per level 32..512, ratios 0.5, 1, 2 everywhere. */
    constructor(sizes?: readonly (readonly number[])[], aspectRatios?: readonly (readonly number[])[]);
    /** Anchors per feature-map location, per level (sizes × aspect ratios). */
    numAnchorsPerLocation(): number[];
    /**
     * The zero-centred anchors of each level, A rows of (x0, y0, x1, y1) ordered aspect-ratio-major
     * (row r·numSizes + s has ratio r and size s), as torchvision's cell_anchors.
     */
    cellAnchors(): Float32Array[];
    /**
     * Anchors of one image of the batch (all images share them), one array per level: for each
     * location, row-major over (y, x), all A cell anchors shifted by (x·strideW, y·strideH). The
     * strides are floor(padded image size / feature size) per axis, as in torchvision.
     * imageHeight/imageWidth are the padded batch tensor's spatial size.
     */
    gridAnchors(imageHeight: number, imageWidth: number, featureSizes: readonly (readonly [number, number])[]): Float32Array[];
}
