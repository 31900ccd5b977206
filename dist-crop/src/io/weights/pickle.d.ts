/** What an allowlisted global does when the pickle calls it. */
export interface GlobalImpl {
    /** Called for REDUCE/NEWOBJ with the argument tuple; globals without it can only be passed as values. */
    readonly call?: (args: unknown[]) => unknown;
}
/** A resolved, allowlisted global such as `torch.FloatStorage`. */
export declare class PyGlobal {
    readonly name: string;
    readonly impl: GlobalImpl;
    constructor(name: string, impl: GlobalImpl);
}
export interface UnpickleOptions {
    /** Allowlist: fully qualified name (`module.name`) → implementation. Anything else is refused. */
    readonly globals: Readonly<Record<string, GlobalImpl>>;
    /** Resolves BINPERSID/PERSID ids (torch uses them for tensor storages). */
    readonly persistentLoad?: (pid: unknown) => unknown;
}
/** Unpickles `bytes`; `source` names the file in error messages. */
export declare function unpickle(bytes: Uint8Array, source: string, options: UnpickleOptions): unknown;
