/** The 1000 ImageNet class names in torchvision's order. */
export declare function imagenetLabels(): string[];
export declare function readLabelsFile(path: string): string[];
/** Labels for a head of `numClasses`: the given list (checked), ImageNet for 1000, else `class N`. */
export declare function labelsFor(numClasses: number, labels?: string[], source?: string): string[];
