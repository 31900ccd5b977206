/** True when the keys follow transformers' ResNet layout (with or without the `resnet.` prefix). */
export declare function isHuggingFaceLayout(keys: Iterable<string>): boolean;
/**
 * Renames a state dict to torchvision keys: strips `module.`/`model.` prefixes and, for the Hugging
 * Face layout, applies RULES. Other keys pass through unchanged. `source` names the file in errors.
 */
export declare function toTorchvisionKeys<T>(map: Map<string, T>, source?: string): Map<string, T>;
/** Renames torchvision keys to the Hugging Face ResNetForImageClassification layout. */
export declare function toHuggingFaceKeys<T>(map: Map<string, T>, source?: string): Map<string, T>;
/**
 * Renames a detection state dict to torchvision 0.14's keys: strips `module.`/`model.` prefixes and
 * upgrades the pre-0.13 RPN head and FPN names. Current keys pass through unchanged.
 */
export declare function toDetectionKeys<T>(map: Map<string, T>, source?: string): Map<string, T>;
