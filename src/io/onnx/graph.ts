/**
 * An ONNX graph as it is built and encoded, knowing no model: nodes named from module scopes the way
 * torch.onnx names them (`/layer1/layer1.0/conv1/Conv`), float32 initializers with raw_data, int64
 * constants, and the ModelProto around them (producer `resnet50`, the IR version of the opset).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { float32Bytes } from '../bytes.js';
import { ProtoWriter } from './protobuf.js';

const PRODUCER_NAME = 'resnet50';
const PRODUCER_VERSION = '0.1.0';

/** TensorProto.DataType */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

/** The IR version that introduced an opset: 7 for opsets 13–14, 8 for 15–18. */
const irVersionFor = (opset: number): number => (opset <= 14 ? 7 : 8);

export type AttrValue = number | readonly number[] | { float: number } | { tensor: ProtoWriter };

function attribute(name: string, value: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') return w.int(3, value).int(20, ATTR_INT);
  if ('float' in value) return w.float(2, value.float).int(20, ATTR_FLOAT);
  if ('tensor' in value) return w.message(5, value.tensor).int(20, ATTR_TENSOR);
  return w.packedInts(8, value).int(20, ATTR_INTS);
}

function floatTensor(name: string, tensor: Tensor): ProtoWriter {
  return new ProtoWriter()
    .packedInts(1, tensor.shape)
    .int(2, FLOAT)
    .string(8, name)
    .bytes(9, float32Bytes(tensor.data));
}

function int64Tensor(values: readonly (number | bigint)[]): ProtoWriter {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return new ProtoWriter().packedInts(1, [values.length]).int(2, INT64).bytes(9, bytes);
}

/** A tensor dimension: a size, or the name of a symbolic size. */
export type Dim = number | string;

/** A float32 graph input or output. */
export interface ValueInfo {
  name: string;
  dims: readonly Dim[];
}

function valueInfo({ name, dims }: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Scope segments of a module, as torch.onnx names them: attribute names, `parent.i` inside a Sequential. */
export type Scope = readonly string[];

/** What the ModelProto records besides the graph. */
export interface OnnxModelInfo {
  opset: number;
  input: ValueInfo;
  output: ValueInfo;
  /** Stored in the model's doc_string. */
  docString?: string;
}

export class GraphBuilder {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly usedNames = new Map<string, number>();
  private readonly scopeUses = new Map<string, number>();

  private unique(name: string): string {
    const n = this.usedNames.get(name) ?? 0;
    this.usedNames.set(name, n + 1);
    return n === 0 ? name : `${name}_${n}`;
  }

  /** Scope for a module called repeatedly (a block's `relu`): relu, relu_1, relu_2 as torch does. */
  reuse(scope: Scope): Scope {
    const key = scope.join('/');
    const n = this.scopeUses.get(key) ?? 0;
    this.scopeUses.set(key, n + 1);
    if (n === 0) return scope;
    return [...scope.slice(0, -1), `${scope[scope.length - 1]}_${n}`];
  }

  node(
    opType: string,
    scope: Scope,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    output?: string,
  ): string {
    const name = this.unique(`/${[...scope, opType].join('/')}`);
    const out = output ?? `${name}_output_0`;
    const w = new ProtoWriter();
    for (const input of inputs) w.string(1, input);
    w.string(2, out).string(3, name).string(4, opType);
    for (const [key, value] of Object.entries(attrs)) w.message(5, attribute(key, value));
    this.nodes.push(w);
    return out;
  }

  constant(scope: Scope, values: readonly (number | bigint)[]): string {
    return this.node('Constant', scope, [], { value: { tensor: int64Tensor(values) } });
  }

  initializer(name: string, tensor: Tensor): string {
    this.initializers.push(floatTensor(name, tensor));
    return name;
  }

  /** The graph in its ModelProto: the bytes of a .onnx file. */
  encodeModel({ opset, input, output, docString }: OnnxModelInfo): Uint8Array {
    const graph = new ProtoWriter();
    for (const node of this.nodes) graph.message(1, node);
    graph.string(2, 'main_graph');
    for (const init of this.initializers) graph.message(5, init);
    graph.message(11, valueInfo(input));
    graph.message(12, valueInfo(output));

    const modelProto = new ProtoWriter()
      .int(1, irVersionFor(opset))
      .string(2, PRODUCER_NAME)
      .string(3, PRODUCER_VERSION);
    if (docString !== undefined) modelProto.string(6, docString);
    modelProto.message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, opset));
    return modelProto.finish();
  }
}
