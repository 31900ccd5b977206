export declare const CLI: string;
export declare const REPO: string;
export declare const SHARED: string;
export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
}
export declare function runCli(args: string[], env?: Record<string, string>): CliResult;
