/**
 * The ResNet family (He et al., 2015), shaped like torchvision's `models/resnet.py`: attribute names
 * are the state-dict keys (`layer1.0.downsample.0.weight`), so torchvision, timm and (after a key
 * remap) Hugging Face checkpoints load unchanged.
 *
 *   stem:   conv1 7×7/2 → bn1 → relu → maxpool 3×3/2
 *   stages: layer1..layer4 of BasicBlock or Bottleneck, the first block of a stage projecting the shortcut
 *   head:   global average pool → fc
 */
import { ShapeError, UserError } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { formatShape } from '../tensor/tensor.js';
import { fans, fill, kaimingNormalFanOut, uniform } from '../nn/init.js';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU, ZeroPadShortcut, } from '../nn/layers.js';
import { Module, Sequential } from '../nn/module.js';
import * as ops from '../ops/index.js';
export const MIN_INPUT_SIZE = 32;
const conv3x3 = (inPlanes, outPlanes, stride = 1) => new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
const conv1x1 = (inPlanes, outPlanes, stride = 1) => new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
/** Two 3×3 convs (resnet18/34). */
export class BasicBlock extends Module {
    static expansion = 1;
    conv1;
    bn1;
    relu = new ReLU();
    conv2;
    bn2;
    downsample;
    residual;
    constructor({ inPlanes, planes, stride, downsample, residual }) {
        super();
        this.residual = residual;
        this.conv1 = conv3x3(inPlanes, planes, stride);
        this.bn1 = new BatchNorm2d(planes);
        this.conv2 = conv3x3(planes, planes);
        this.bn2 = new BatchNorm2d(planes);
        this.downsample = downsample;
    }
    get lastBn() {
        return this.bn2;
    }
    forward(x) {
        let out = this.bn1.callRelu(this.conv1.call(x), this.relu);
        out = this.bn2.call(this.conv2.call(out));
        if (!this.residual)
            return this.relu.call(out);
        const identity = this.downsample === null ? x : this.downsample.call(x);
        return this.relu.call(ops.add(out, identity));
    }
    /** Mirror of forward: the final ReLU, then the branch and the shortcut, summed. */
    backward(dout) {
        const dsum = this.relu.backward(dout);
        let d = this.conv2.backward(this.bn2.backward(dsum));
        d = this.conv1.backward(this.bn1.backwardRelu(d, this.relu));
        if (!this.residual)
            return d;
        return ops.add(d, this.downsample === null ? dsum : this.downsample.backward(dsum));
    }
}
/** 1×1 reduce → 3×3 → 1×1 expand (×4), the block of resnet50/101/152. */
export class Bottleneck extends Module {
    static expansion = 4;
    conv1;
    bn1;
    conv2;
    bn2;
    conv3;
    bn3;
    relu = new ReLU();
    downsample;
    residual;
    constructor({ inPlanes, planes, stride, downsample, variant, residual }) {
        super();
        this.residual = residual;
        // v1.5 strides the 3×3 (better accuracy, torchvision); v1 strides the first 1×1 as in the paper.
        const [stride1, stride2] = variant === 'v1' ? [stride, 1] : [1, stride];
        this.conv1 = conv1x1(inPlanes, planes, stride1);
        this.bn1 = new BatchNorm2d(planes);
        this.conv2 = conv3x3(planes, planes, stride2);
        this.bn2 = new BatchNorm2d(planes);
        this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
        this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
        this.downsample = downsample;
    }
    get lastBn() {
        return this.bn3;
    }
    forward(x) {
        let out = this.bn1.callRelu(this.conv1.call(x), this.relu);
        out = this.bn2.callRelu(this.conv2.call(out), this.relu);
        out = this.bn3.call(this.conv3.call(out));
        if (!this.residual)
            return this.relu.call(out);
        const identity = this.downsample === null ? x : this.downsample.call(x);
        return this.relu.call(ops.add(out, identity));
    }
    /** Mirror of forward: the final ReLU, then the branch (conv3 … conv1) and the shortcut, summed. */
    backward(dout) {
        const dsum = this.relu.backward(dout);
        let d = this.conv3.backward(this.bn3.backward(dsum));
        d = this.conv2.backward(this.bn2.backwardRelu(d, this.relu));
        d = this.conv1.backward(this.bn1.backwardRelu(d, this.relu));
        if (!this.residual)
            return d;
        return ops.add(d, this.downsample === null ? dsum : this.downsample.backward(dsum));
    }
}
/** Architectures as data: block type and blocks per stage. */
export const ARCHITECTURES = {
    resnet18: { block: BasicBlock, layers: [2, 2, 2, 2] },
    resnet34: { block: BasicBlock, layers: [3, 4, 6, 3] },
    resnet50: { block: Bottleneck, layers: [3, 4, 6, 3] },
    resnet101: { block: Bottleneck, layers: [3, 4, 23, 3] },
    resnet152: { block: Bottleneck, layers: [3, 8, 36, 3] },
};
export function isArchName(name) {
    return Object.hasOwn(ARCHITECTURES, name);
}
export class ResNet extends Module {
    conv1;
    bn1;
    relu = new ReLU();
    maxpool = new MaxPool2d(3, 2, 1);
    layer1;
    layer2;
    layer3;
    layer4;
    avgpool;
    fc;
    numFeatures;
    options;
    constructor(block, layers, options = {}) {
        super();
        const opts = {
            numClasses: options.numClasses ?? 1000,
            variant: options.variant ?? 'v1.5',
            shortcut: options.shortcut ?? 'projection',
            zeroInitResidual: options.zeroInitResidual ?? false,
            residual: options.residual ?? true,
            includeTop: options.includeTop ?? true,
            pooling: options.pooling ?? 'avg',
        };
        if (opts.includeTop && opts.pooling === 'none') {
            throw new UserError("pooling 'none' needs includeTop false: the fc head needs pooled features.");
        }
        if (!Number.isInteger(opts.numClasses) || opts.numClasses < 1) {
            throw new UserError(`numClasses must be a positive integer, got ${opts.numClasses}.`);
        }
        this.options = opts;
        let inPlanes = 64;
        const makeLayer = (planes, blocks, stride) => {
            const outPlanes = planes * block.expansion;
            let downsample = null;
            if (opts.residual && (stride !== 1 || inPlanes !== outPlanes)) {
                downsample =
                    opts.shortcut === 'projection'
                        ? new Sequential(conv1x1(inPlanes, outPlanes, stride), new BatchNorm2d(outPlanes))
                        : new ZeroPadShortcut(outPlanes, stride);
            }
            const first = new block({
                inPlanes,
                planes,
                stride,
                downsample,
                variant: opts.variant,
                residual: opts.residual,
            });
            inPlanes = outPlanes;
            const rest = Array.from({ length: blocks - 1 }, () => new block({
                inPlanes,
                planes,
                stride: 1,
                downsample: null,
                variant: opts.variant,
                residual: opts.residual,
            }));
            return new Sequential(first, ...rest);
        };
        this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
        this.conv1.requiresInputGrad = false;
        this.bn1 = new BatchNorm2d(64);
        this.layer1 = makeLayer(64, layers[0], 1);
        this.layer2 = makeLayer(128, layers[1], 2);
        this.layer3 = makeLayer(256, layers[2], 2);
        this.layer4 = makeLayer(512, layers[3], 2);
        this.numFeatures = inPlanes;
        this.avgpool =
            opts.pooling === 'avg'
                ? new AdaptiveAvgPool2d()
                : opts.pooling === 'max'
                    ? new AdaptiveMaxPool2d()
                    : null;
        this.fc = opts.includeTop ? new Linear(this.numFeatures, opts.numClasses) : null;
        if (options.init !== 'none')
            this.initialize(new Rng(options.seed ?? 0));
    }
    /** torchvision's initialization: Kaiming-normal convs, BN (1, 0), PyTorch-default Linear. */
    initialize(rng) {
        for (const [, m] of this.namedModules()) {
            if (m instanceof Conv2d)
                kaimingNormalFanOut(m.weight, rng);
            else if (m instanceof BatchNorm2d) {
                fill(m.weight, 1);
                fill(m.bias, 0);
            }
            else if (m instanceof Linear) {
                const bound = 1 / Math.sqrt(fans(m.weight).fanIn);
                uniform(m.weight, bound, rng);
                if (m.bias !== null)
                    uniform(m.bias, bound, rng);
            }
        }
        if (this.options.zeroInitResidual) {
            for (const [, m] of this.namedModules()) {
                if (m instanceof Bottleneck || m instanceof BasicBlock)
                    fill(m.lastBn.weight, 0);
            }
        }
    }
    checkInput(x) {
        if (x.rank !== 4 || x.shape[1] !== 3) {
            throw new ShapeError(`ResNet expects input of shape [N, 3, H, W], got ${formatShape(x.shape)}.`);
        }
        const [, , H, W] = x.shape;
        if (H < MIN_INPUT_SIZE || W < MIN_INPUT_SIZE) {
            throw new ShapeError(`Input ${H}×${W} is smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`);
        }
    }
    /** Runs the network and returns every stage's output (stem = after max-pool). */
    forwardFeatures(x) {
        this.checkInput(x);
        const stem = this.maxpool.call(this.bn1.callRelu(this.conv1.call(x), this.relu));
        const layer1 = this.layer1.call(stem);
        const layer2 = this.layer2.call(layer1);
        const layer3 = this.layer3.call(layer2);
        const layer4 = this.layer4.call(layer3);
        const features = { stem, layer1, layer2, layer3, layer4 };
        if (this.avgpool !== null) {
            const pooled = this.avgpool.call(layer4);
            features.pool = pooled.reshape([pooled.shape[0], pooled.shape[1]]);
        }
        return features;
    }
    /** Logits (N, numClasses); without the top, pooled features (N, C) or layer4 maps. */
    forward(x) {
        const features = this.forwardFeatures(x);
        if (features.pool === undefined)
            return features.layer4;
        return this.fc === null ? features.pool : this.fc.call(features.pool);
    }
    /**
     * Backpropagates the gradient of the loss with respect to the output of a training-mode `call`,
     * accumulating every parameter's gradient (see `parameters()`); returns the gradient with
     * respect to the stem's output (the image gradient is not computed).
     */
    backward(dout) {
        let d = dout;
        if (this.fc !== null)
            d = this.fc.backward(d);
        if (this.avgpool !== null)
            d = this.avgpool.backward(d.reshape([d.shape[0], d.shape[1], 1, 1]));
        for (const stage of [this.layer4, this.layer3, this.layer2, this.layer1])
            d = stage.backward(d);
        d = this.bn1.backwardRelu(this.maxpool.backward(d), this.relu);
        this.conv1.backward(d);
        return d;
    }
}
export function resnet(arch, options = {}) {
    const { block, layers } = ARCHITECTURES[arch];
    return new ResNet(block, layers, options);
}
export const resnet18 = (options) => resnet('resnet18', options);
export const resnet34 = (options) => resnet('resnet34', options);
export const resnet50 = (options) => resnet('resnet50', options);
export const resnet101 = (options) => resnet('resnet101', options);
export const resnet152 = (options) => resnet('resnet152', options);
//# sourceMappingURL=resnet.js.map