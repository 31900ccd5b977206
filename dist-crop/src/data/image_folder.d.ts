export declare const IMAGE_EXTENSIONS: readonly string[];
export interface ImageFolderIndex {
    root: string;
    classes: string[];
    /** `[path, classIndex]` pairs, class by class. */
    samples: [string, number][];
}
/** Lists classes and samples of an ImageFolder tree. */
export declare function scanImageFolder(root: string): ImageFolderIndex;
