/** The layers ResNet is made of, shaped like their torch.nn namesakes (same attribute names). */
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Module, SavedForBackward } from './module.js';
const pair = (v) => (typeof v === 'number' ? [v, v] : v);
export class Conv2d extends Module {
    inChannels;
    outChannels;
    weight;
    bias;
    stride;
    padding;
    dilation;
    groups;
    constructor(inChannels, outChannels, kernelSize, options = {}) {
        super();
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        const [KH, KW] = pair(kernelSize);
        this.stride = pair(options.stride ?? 1);
        this.padding = pair(options.padding ?? 0);
        this.dilation = pair(options.dilation ?? 1);
        this.groups = options.groups ?? 1;
        this.weight = Tensor.zeros([outChannels, inChannels / this.groups, KH, KW]);
        this.bias = options.bias === true ? Tensor.zeros([outChannels]) : null;
    }
    parameterNames() {
        return this.bias === null ? ['weight'] : ['weight', 'bias'];
    }
    /** False for a network's first layer: its input gradient is not needed. */
    requiresInputGrad = true;
    saved = new SavedForBackward();
    forward(x) {
        this.saved.save(this, x);
        return ops.conv2d(x, this.weight, this.bias, this);
    }
    backward(dout) {
        const x = this.saved.take(this);
        const g = ops.conv2dBackward(x, this.weight, dout, this, this.requiresInputGrad);
        this.accumulateGrad('weight', g.dweight);
        if (this.bias !== null)
            this.accumulateGrad('bias', g.dbias);
        return g.dx ?? Tensor.zeros(x.shape);
    }
    countMacs(_input, output) {
        const [, CG, KH, KW] = this.weight.shape;
        return output.reduce((a, b) => a * b, 1) * CG * KH * KW;
    }
}
export class BatchNorm2d extends Module {
    numFeatures;
    eps;
    momentum;
    weight;
    bias;
    running_mean;
    running_var;
    num_batches_tracked;
    constructor(numFeatures, eps = 1e-5, momentum = 0.1) {
        super();
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = new Tensor(new Float32Array(numFeatures).fill(1), [numFeatures]);
        this.bias = Tensor.zeros([numFeatures]);
        this.running_mean = Tensor.zeros([numFeatures]);
        this.running_var = new Tensor(new Float32Array(numFeatures).fill(1), [numFeatures]);
        this.num_batches_tracked = new Tensor(new Float32Array(1), [], 'int64');
    }
    parameterNames() {
        return ['weight', 'bias'];
    }
    bufferNames() {
        return ['running_mean', 'running_var', 'num_batches_tracked'];
    }
    /** `reluOut`: the output of a fused batch norm + ReLU (callRelu), else null. */
    saved = new SavedForBackward();
    /** Eval: running statistics. Training: batch statistics, and the running ones updated as PyTorch does. */
    forward(x) {
        if (!this.training) {
            return ops.batchNorm2d(x, this.running_mean, this.running_var, this.weight, this.bias, this.eps);
        }
        return this.trainForward(x, false);
    }
    /**
     * `relu.call(this.call(x))`, computed in one pass when both modules are training (the ReLU's
     * output is then kept here, for backwardRelu). Undo with backwardRelu(dout, relu).
     */
    callRelu(x, relu) {
        return this.training && relu.training ? this.trainForward(x, true) : relu.call(this.call(x));
    }
    /** Gradient of callRelu: `this.backward(relu.backward(dout))`, in one pass after a fused forward. */
    backwardRelu(dout, relu) {
        return this.backward(this.training && relu.training ? dout : relu.backward(dout));
    }
    trainForward(x, relu) {
        const stats = ops.batchNorm2dTrain(x, this.weight, this.bias, this.eps, relu);
        const [N, , H, W] = x.shape;
        const count = N * H * W;
        const m = this.momentum;
        for (let c = 0; c < this.numFeatures; c++) {
            this.running_mean.data[c] = (1 - m) * this.running_mean.data[c] + m * stats.mean.data[c];
            const unbiased = (stats.variance.data[c] * count) / (count - 1);
            this.running_var.data[c] = (1 - m) * this.running_var.data[c] + m * unbiased;
        }
        this.num_batches_tracked.data[0] += 1;
        this.saved.save(this, { x, mean: stats.mean, invstd: stats.invstd, reluOut: relu ? stats.out : null });
        return stats.out;
    }
    /**
     * Training: the batch-statistics gradient. Eval (a frozen BN, e.g. when fine-tuning): a fixed
     * per-channel affine map, so dx = dout · weight / √(running_var + eps) and no parameter gradients.
     */
    backward(dout) {
        if (!this.training) {
            const zeros = Tensor.zeros([this.numFeatures]);
            return ops.batchNorm2d(dout, zeros, this.running_var, this.weight, zeros, this.eps);
        }
        const { x, mean, invstd, reluOut } = this.saved.take(this);
        const g = ops.batchNorm2dBackward(dout, x, mean, invstd, this.weight, reluOut);
        this.accumulateGrad('weight', g.dweight);
        this.accumulateGrad('bias', g.dbias);
        return g.dx;
    }
}
export class ReLU extends Module {
    saved = new SavedForBackward();
    forward(x) {
        const out = ops.relu(x);
        this.saved.save(this, out);
        return out;
    }
    backward(dout) {
        return ops.reluBackward(dout, this.saved.take(this));
    }
}
export class MaxPool2d extends Module {
    kernelSize;
    stride;
    padding;
    constructor(kernelSize, stride, padding = 0) {
        super();
        this.kernelSize = pair(kernelSize);
        this.stride = pair(stride ?? kernelSize);
        this.padding = pair(padding);
    }
    saved = new SavedForBackward();
    forward(x) {
        this.saved.save(this, x);
        return ops.maxPool2d(x, this);
    }
    backward(dout) {
        return ops.maxPool2dBackward(dout, this.saved.take(this), this);
    }
}
export class AdaptiveAvgPool2d extends Module {
    outputSize;
    constructor(outputSize = [1, 1]) {
        super();
        this.outputSize = outputSize;
    }
    saved = new SavedForBackward();
    forward(x) {
        this.saved.save(this, x.shape);
        return ops.adaptiveAvgPool2d(x, this.outputSize[0], this.outputSize[1]);
    }
    backward(dout) {
        return ops.adaptiveAvgPool2dBackward(dout, this.saved.take(this));
    }
}
export class AdaptiveMaxPool2d extends Module {
    outputSize;
    constructor(outputSize = [1, 1]) {
        super();
        this.outputSize = outputSize;
    }
    forward(x) {
        return ops.adaptiveMaxPool2d(x, this.outputSize[0], this.outputSize[1]);
    }
}
export class Linear extends Module {
    inFeatures;
    outFeatures;
    weight;
    bias;
    constructor(inFeatures, outFeatures, bias = true) {
        super();
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = Tensor.zeros([outFeatures, inFeatures]);
        this.bias = bias ? Tensor.zeros([outFeatures]) : null;
    }
    parameterNames() {
        return this.bias === null ? ['weight'] : ['weight', 'bias'];
    }
    saved = new SavedForBackward();
    forward(x) {
        this.saved.save(this, x);
        return ops.linear(x, this.weight, this.bias);
    }
    backward(dout) {
        const g = ops.linearBackward(dout, this.saved.take(this), this.weight);
        this.accumulateGrad('weight', g.dweight);
        if (this.bias !== null)
            this.accumulateGrad('bias', g.dbias);
        return g.dx;
    }
    countMacs(input) {
        return input[0] * this.inFeatures * this.outFeatures;
    }
}
/** Parameter-free shortcut (the seed's option A): strided identity, channels zero-padded. */
export class ZeroPadShortcut extends Module {
    outChannels;
    stride;
    constructor(outChannels, stride) {
        super();
        this.outChannels = outChannels;
        this.stride = stride;
    }
    saved = new SavedForBackward();
    forward(x) {
        this.saved.save(this, x.shape);
        return ops.zeroPadShortcut(x, this.outChannels, this.stride);
    }
    backward(dout) {
        return ops.zeroPadShortcutBackward(dout, this.saved.take(this), this.stride);
    }
}
//# sourceMappingURL=layers.js.map