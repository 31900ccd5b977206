import { type Tensor } from '../tensor/tensor.js';
export declare function expectRank(op: string, name: string, t: Tensor, rank: number): void;
export declare function expectShape(op: string, name: string, t: Tensor, shape: readonly number[]): void;
export declare function expectPositiveInt(op: string, name: string, value: number): void;
