export declare function writeMarkdown(path: string, text: string): Promise<void>;
