/**
 * ONNX export of a ResNet: walks the model's structure (stem, layer1..layer4, blocks, head) the way
 * its forward runs and writes an ONNX ModelProto that mirrors torchvision's `torch.onnx.export`:
 * BatchNormalization kept unfolded, node names from module scopes (`/layer1/layer1.0/conv1/Conv`),
 * initializers named by state-dict keys (`layer1.0.conv1.weight`) with float32 raw_data.
 *
 *   input  `input`  [batch, 3, height, width]  (symbolic dims unless `dynamic: false`)
 *   output `logits` [batch, numClasses]; without the top `pool` [batch, C] or `layer4` [batch, C, h, w]
 */
import { UserError } from '../../errors.js';
import { writeFileAtomic } from '../atomic_write.js';
import { float32Bytes } from '../bytes.js';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm2d, Conv2d, MaxPool2d, ReLU, ZeroPadShortcut, } from '../../nn/layers.js';
import { Sequential } from '../../nn/module.js';
import { BasicBlock, Bottleneck, MIN_INPUT_SIZE } from '../../model/resnet.js';
import { ProtoWriter } from './protobuf.js';
export const MIN_OPSET = 13;
export const MAX_OPSET = 18;
export const DEFAULT_OPSET = 13;
const PRODUCER_NAME = 'resnet50';
const PRODUCER_VERSION = '0.1.0';
const INT64_MAX = (1n << 63n) - 1n;
/** TensorProto.DataType */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;
/** Throws a UserError unless opset is an integer in [MIN_OPSET, MAX_OPSET]. */
export function checkOpset(opset) {
    if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
        throw new UserError(`--opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET} (ONNX export needs Pad/Slice with tensor inputs), got ${opset}.`);
    }
    return opset;
}
/** The IR version that introduced an opset: 7 for opsets 13–14, 8 for 15–18. */
const irVersionFor = (opset) => (opset <= 14 ? 7 : 8);
function attribute(name, value) {
    const w = new ProtoWriter().string(1, name);
    if (typeof value === 'number')
        return w.int(3, value).int(20, ATTR_INT);
    if ('float' in value)
        return w.float(2, value.float).int(20, ATTR_FLOAT);
    if ('tensor' in value)
        return w.message(5, value.tensor).int(20, ATTR_TENSOR);
    return w.packedInts(8, value).int(20, ATTR_INTS);
}
function floatTensor(name, tensor) {
    return new ProtoWriter()
        .packedInts(1, tensor.shape)
        .int(2, FLOAT)
        .string(8, name)
        .bytes(9, float32Bytes(tensor.data));
}
function int64Tensor(values) {
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    return new ProtoWriter().packedInts(1, [values.length]).int(2, INT64).bytes(9, bytes);
}
function valueInfo(name, dims) {
    const shape = new ProtoWriter();
    for (const d of dims) {
        shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
    }
    const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}
class GraphBuilder {
    nodes = [];
    initializers = [];
    usedNames = new Map();
    scopeUses = new Map();
    unique(name) {
        const n = this.usedNames.get(name) ?? 0;
        this.usedNames.set(name, n + 1);
        return n === 0 ? name : `${name}_${n}`;
    }
    /** Scope for a module called repeatedly (a block's `relu`): relu, relu_1, relu_2 as torch does. */
    reuse(scope) {
        const key = scope.join('/');
        const n = this.scopeUses.get(key) ?? 0;
        this.scopeUses.set(key, n + 1);
        if (n === 0)
            return scope;
        return [...scope.slice(0, -1), `${scope[scope.length - 1]}_${n}`];
    }
    node(opType, scope, inputs, attrs = {}, output) {
        const name = this.unique(`/${[...scope, opType].join('/')}`);
        const out = output ?? `${name}_output_0`;
        const w = new ProtoWriter();
        for (const input of inputs)
            w.string(1, input);
        w.string(2, out).string(3, name).string(4, opType);
        for (const [key, value] of Object.entries(attrs))
            w.message(5, attribute(key, value));
        this.nodes.push(w);
        return out;
    }
    constant(scope, values) {
        return this.node('Constant', scope, [], { value: { tensor: int64Tensor(values) } });
    }
    initializer(name, tensor) {
        this.initializers.push(floatTensor(name, tensor));
        return name;
    }
}
/** State-dict key of a module's tensor from its scope: ['layer1', 'layer1.0', 'conv1'] → layer1.0.conv1.weight. */
function keyOf(scope, tensor) {
    const parts = [];
    for (const segment of scope) {
        const last = parts[parts.length - 1];
        if (last !== undefined && segment.startsWith(`${last}.`))
            parts[parts.length - 1] = segment;
        else
            parts.push(segment);
    }
    return [...parts, tensor].join('.');
}
class ResNetExporter {
    g = new GraphBuilder();
    conv(m, scope, x) {
        const inputs = [x, this.g.initializer(keyOf(scope, 'weight'), m.weight)];
        if (m.bias !== null)
            inputs.push(this.g.initializer(keyOf(scope, 'bias'), m.bias));
        const [, , KH, KW] = m.weight.shape;
        return this.g.node('Conv', scope, inputs, {
            dilations: m.dilation,
            group: m.groups,
            kernel_shape: [KH, KW],
            pads: [m.padding[0], m.padding[1], m.padding[0], m.padding[1]],
            strides: m.stride,
        });
    }
    batchNorm(m, scope, x) {
        const inputs = [
            x,
            ...['weight', 'bias', 'running_mean', 'running_var'].map((name) => this.g.initializer(keyOf(scope, name), m[name])),
        ];
        return this.g.node('BatchNormalization', scope, inputs, {
            epsilon: { float: m.eps },
            momentum: { float: 1 - m.momentum },
        });
    }
    maxPool(m, scope, x) {
        return this.g.node('MaxPool', scope, [x], {
            ceil_mode: 0,
            kernel_shape: m.kernelSize,
            pads: [m.padding[0], m.padding[1], m.padding[0], m.padding[1]],
            strides: m.stride,
        });
    }
    relu(scope, x) {
        return this.g.node('Relu', this.g.reuse(scope), [x]);
    }
    /** Option-A shortcut: every stride-th pixel (Slice with steps), then zero channels (Pad). */
    zeroPad(m, inChannels, scope, x) {
        let y = x;
        if (m.stride !== 1) {
            const starts = this.g.constant(scope, [0, 0]);
            const ends = this.g.constant(scope, [INT64_MAX, INT64_MAX]);
            const axes = this.g.constant(scope, [2, 3]);
            const steps = this.g.constant(scope, [m.stride, m.stride]);
            y = this.g.node('Slice', scope, [y, starts, ends, axes, steps]);
        }
        if (m.outChannels !== inChannels) {
            const pads = this.g.constant(scope, [0, 0, 0, 0, 0, m.outChannels - inChannels, 0, 0]);
            y = this.g.node('Pad', scope, [y, pads], {});
        }
        return y;
    }
    /** A leaf or Sequential in a block's shortcut or elsewhere; inChannels is only used by ZeroPadShortcut. */
    module(m, scope, x, inChannels) {
        if (m instanceof Conv2d)
            return this.conv(m, scope, x);
        if (m instanceof BatchNorm2d)
            return this.batchNorm(m, scope, x);
        if (m instanceof ReLU)
            return this.relu(scope, x);
        if (m instanceof MaxPool2d)
            return this.maxPool(m, scope, x);
        if (m instanceof ZeroPadShortcut)
            return this.zeroPad(m, inChannels, scope, x);
        if (m instanceof Sequential) {
            const name = scope[scope.length - 1];
            let y = x;
            let channels = inChannels;
            for (let i = 0; i < m.length; i++) {
                y = this.module(m[i], [...scope, `${name}.${i}`], y, channels);
                if (m[i] instanceof Conv2d)
                    channels = m[i].outChannels;
            }
            return y;
        }
        throw new Error(`ONNX export: no mapping for ${m.constructor.name} at ${scope.join('/')}`);
    }
    block(b, scope, x) {
        const at = (name) => [...scope, name];
        let out;
        let inChannels;
        if (b instanceof Bottleneck) {
            inChannels = b.conv1.inChannels;
            out = this.relu(at('relu'), this.batchNorm(b.bn1, at('bn1'), this.conv(b.conv1, at('conv1'), x)));
            out = this.relu(at('relu'), this.batchNorm(b.bn2, at('bn2'), this.conv(b.conv2, at('conv2'), out)));
            out = this.batchNorm(b.bn3, at('bn3'), this.conv(b.conv3, at('conv3'), out));
        }
        else if (b instanceof BasicBlock) {
            inChannels = b.conv1.inChannels;
            out = this.relu(at('relu'), this.batchNorm(b.bn1, at('bn1'), this.conv(b.conv1, at('conv1'), x)));
            out = this.batchNorm(b.bn2, at('bn2'), this.conv(b.conv2, at('conv2'), out));
        }
        else {
            throw new Error(`ONNX export: ${scope.join('/')} is a ${b.constructor.name}, not a ResNet block`);
        }
        if (!b.residual)
            return this.relu(at('relu'), out);
        const identity = b.downsample === null ? x : this.module(b.downsample, at('downsample'), x, inChannels);
        const sum = this.g.node('Add', scope, [out, identity]);
        return this.relu(at('relu'), sum);
    }
    /** Emits the whole network; its last node writes `outputName`. */
    network(model, input, outputName) {
        let x = this.conv(model.conv1, ['conv1'], input);
        x = this.batchNorm(model.bn1, ['bn1'], x);
        x = this.relu(['relu'], x);
        x = this.maxPool(model.maxpool, ['maxpool'], x);
        const stages = [model.layer1, model.layer2, model.layer3, model.layer4];
        stages.forEach((stage, s) => {
            const name = `layer${s + 1}`;
            for (let i = 0; i < stage.length; i++)
                x = this.block(stage[i], [name, `${name}.${i}`], x);
        });
        if (model.avgpool === null) {
            this.g.node('Identity', [], [x], {}, outputName);
            return;
        }
        const pool = model.avgpool;
        const isOne = (p) => p.outputSize[0] === 1 && p.outputSize[1] === 1;
        if (pool instanceof AdaptiveAvgPool2d && isOne(pool)) {
            x = this.g.node('GlobalAveragePool', ['avgpool'], [x]);
        }
        else if (pool instanceof AdaptiveMaxPool2d && isOne(pool)) {
            x = this.g.node('GlobalMaxPool', ['avgpool'], [x]);
        }
        else {
            throw new UserError(`ONNX export supports global pooling only (output size 1), not ${pool.constructor.name}.`);
        }
        const fc = model.fc;
        x = this.g.node('Flatten', [], [x], { axis: 1 }, fc === null ? outputName : undefined);
        if (fc !== null)
            this.linear(fc, ['fc'], x, outputName);
    }
    linear(m, scope, x, output) {
        const inputs = [x, this.g.initializer(keyOf(scope, 'weight'), m.weight)];
        if (m.bias !== null)
            inputs.push(this.g.initializer(keyOf(scope, 'bias'), m.bias));
        return this.g.node('Gemm', scope, inputs, { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, output);
    }
}
/** Spatial size after the stem and three stride-2 stages (the layer4 feature-map size). */
function layer4Size(size) {
    let s = Math.floor((size + 2 * 3 - 7) / 2) + 1;
    s = Math.floor((s + 2 * 1 - 3) / 2) + 1;
    for (let i = 0; i < 3; i++)
        s = Math.floor((s - 1) / 2) + 1;
    return s;
}
function checkStaticSize(name, value, min) {
    if (!Number.isInteger(value) || value < min) {
        throw new UserError(`ONNX export: ${name} must be an integer ≥ ${min}, got ${value}.`);
    }
    return value;
}
/** The model as an ONNX ModelProto (bytes of a .onnx file). */
export function exportOnnx(model, options = {}) {
    const opset = checkOpset(options.opset ?? DEFAULT_OPSET);
    const dynamic = options.dynamic ?? true;
    let batch = 'batch';
    let height = 'height';
    let width = 'width';
    if (!dynamic) {
        batch = checkStaticSize('batch', options.batch ?? 1, 1);
        height = checkStaticSize('height', options.height ?? 224, MIN_INPUT_SIZE);
        width = checkStaticSize('width', options.width ?? 224, MIN_INPUT_SIZE);
    }
    let outputName;
    let outputDims;
    if (model.fc !== null) {
        outputName = 'logits';
        outputDims = [batch, model.fc.outFeatures];
    }
    else if (model.avgpool !== null) {
        outputName = 'pool';
        outputDims = [batch, model.numFeatures];
    }
    else {
        outputName = 'layer4';
        outputDims = [
            batch,
            model.numFeatures,
            typeof height === 'number' ? layer4Size(height) : 'layer4_height',
            typeof width === 'number' ? layer4Size(width) : 'layer4_width',
        ];
    }
    const exporter = new ResNetExporter();
    exporter.network(model, 'input', outputName);
    const graph = new ProtoWriter();
    for (const node of exporter.g.nodes)
        graph.message(1, node);
    graph.string(2, 'main_graph');
    for (const init of exporter.g.initializers)
        graph.message(5, init);
    graph.message(11, valueInfo('input', [batch, 3, height, width]));
    graph.message(12, valueInfo(outputName, outputDims));
    const modelProto = new ProtoWriter()
        .int(1, irVersionFor(opset))
        .string(2, PRODUCER_NAME)
        .string(3, PRODUCER_VERSION);
    if (options.docString !== undefined)
        modelProto.string(6, options.docString);
    modelProto.message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, opset));
    return modelProto.finish();
}
/** Writes `exportOnnx(model, options)` to path atomically (a temp file next to it, then rename). */
export function writeOnnx(path, model, options = {}) {
    const bytes = exportOnnx(model, options);
    writeFileAtomic(path, [bytes]);
    return bytes;
}
//# sourceMappingURL=export.js.map