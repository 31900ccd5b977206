/**
 * The native engine behind the kernel interface, used op by op (training, parity tests, odd uses;
 * inference of whole models goes through compiled plans, compile.ts). Convolutions and their
 * gradients are threaded GEMMs on NCHW data; batch norm (both modes and its gradient), ReLU, its
 * gradient, add, gradient accumulation and the SGD update are threaded loops; linear and its gradient are packed GEMMs; pools run
 * one-op plans. Cases the engine does not cover (grouped/dilated convs, non-global adaptive pools,
 * softmax, the zero-pad shortcut, the average-pool gradient, the loss) use the reference kernels; RoIAlign
 * is a threaded copy of the reference kernel.
 */
import type { Backend, Conv2dGrads, Conv2dParams, MaxPool2dParams } from '../backend.js';
import { convOutputSize } from '../../tensor/shapes.js';
import { createJsBackend } from '../js/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { UserError } from '../../errors.js';
import { maxPoolOp, nativeAddon, nativeStatus, type NativeAddon, type NativeOp } from './addon.js';

function runOne(addon: NativeAddon, ops: NativeOp[], output: number, x: Tensor, flat = false): Tensor {
  const plan = new addon.Plan(ops, [output]);
  const [N, C, H, W] = flat ? [x.shape[0], x.size / x.shape[0], 1, 1] : x.shape;
  try {
    const [result] = plan.runSync(x.data, N, C, H, W);
    return new Tensor(result.data, result.shape);
  } finally {
    plan.dispose();
  }
}

/** Drops the zero channels the blocked layout padded up to a multiple of 16. */
function sliceChannels(t: Tensor, channels: number): Tensor {
  const [N, C, H, W] = t.shape;
  if (C === channels) return t;
  const out = new Float32Array(N * channels * H * W);
  for (let n = 0; n < N; n++)
    out.set(t.data.subarray(n * C * H * W, (n * C + channels) * H * W), n * channels * H * W);
  return new Tensor(out, [N, channels, H, W]);
}

const blockedInput = (channels: number): NativeOp => ({
  op: 'input',
  output: 0,
  layout: 'blocked',
  channels,
  border: 0,
});

export function createNativeBackend(): Backend {
  const addon = nativeAddon();
  if (addon === null) throw new UserError(`The native backend is not available: ${nativeStatus().reason}.`);
  const js = createJsBackend();

  const gemmConv = (p: Conv2dParams): boolean => p.groups === 1 && p.dilation[0] === 1 && p.dilation[1] === 1;

  const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor => {
    if (!gemmConv(p)) return js.conv2d(x, weight, bias, p);
    const [N, , H, W] = x.shape;
    const [OC, , KH, KW] = weight.shape;
    const OH = convOutputSize(H, KH, p.stride[0], p.padding[0]);
    const OW = convOutputSize(W, KW, p.stride[1], p.padding[1]);
    const out = addon.convForward(
      x.data,
      x.shape,
      weight.data,
      weight.shape,
      p.stride,
      p.padding,
      bias?.data,
    );
    return new Tensor(out, [N, OC, OH, OW]);
  };

  const conv2dBackward = (
    x: Tensor,
    weight: Tensor,
    dout: Tensor,
    p: Conv2dParams,
    needInputGrad: boolean,
  ): Conv2dGrads => {
    if (!gemmConv(p)) return js.conv2dBackward(x, weight, dout, p, needInputGrad);
    const { dweight, dbias, dx } = addon.convBackward(
      x.data,
      x.shape,
      weight.data,
      weight.shape,
      p.stride,
      p.padding,
      dout.data,
      needInputGrad,
    );
    return {
      dx: dx === null ? null : new Tensor(dx, x.shape),
      dweight: new Tensor(dweight, weight.shape),
      dbias: new Tensor(dbias, [weight.shape[0]]),
    };
  };

  const maxPool2d = (x: Tensor, p: MaxPool2dParams): Tensor => {
    const ops: NativeOp[] = [
      blockedInput(x.shape[1]),
      maxPoolOp(p, 0, 1),
      { op: 'toplain', input: 1, output: 2 },
    ];
    return sliceChannels(runOne(addon, ops, 2, x), x.shape[1]);
  };

  const globalPool = (kind: 'globalavgpool' | 'globalmaxpool', x: Tensor): Tensor => {
    const [N, C] = x.shape;
    const ops: NativeOp[] = [blockedInput(C), { op: kind, input: 0, output: 1 }];
    const pooled = runOne(addon, ops, 1, x);
    const out = new Float32Array(N * C);
    const CP = pooled.shape[1];
    for (let n = 0; n < N; n++) out.set(pooled.data.subarray(n * CP, n * CP + C), n * C);
    return new Tensor(out, [N, C, 1, 1]);
  };

  return {
    ...js,
    name: 'native',
    conv2d,
    conv2dBackward,
    batchNorm2d(x, mean, variance, weight, bias, eps) {
      const [N, C, H, W] = x.shape;
      const scale = new Float32Array(C);
      const shift = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        scale[c] = weight.data[c] / Math.sqrt(variance.data[c] + eps);
        shift[c] = bias.data[c] - mean.data[c] * scale[c];
      }
      return new Tensor(addon.bnAffine(x.data, N, C, H * W, scale, shift), x.shape);
    },
    relu: (x) => new Tensor(addon.elementwise('relu', x.data), x.shape),
    add: (a, b) => new Tensor(addon.elementwise('add', a.data, b.data), a.shape),
    reluBackward: (dout, out) =>
      new Tensor(addon.elementwise('reluBackward', dout.data, out.data), dout.shape),
    batchNorm2dTrain(x, weight, bias, eps, relu) {
      const [N, C, H, W] = x.shape;
      const r = addon.bnTrain(x.data, N, C, H * W, weight.data, bias.data, eps, relu);
      return {
        out: new Tensor(r.out, x.shape),
        mean: new Tensor(r.mean, [C]),
        variance: new Tensor(r.variance, [C]),
        invstd: new Tensor(r.invstd, [C]),
      };
    },
    batchNorm2dBackward(dout, x, mean, invstd, weight, reluOut) {
      const [N, C, H, W] = x.shape;
      const r = addon.bnBackward(
        dout.data,
        x.data,
        N,
        C,
        H * W,
        mean.data,
        invstd.data,
        weight.data,
        reluOut?.data ?? null,
      );
      return {
        dx: new Tensor(r.dx, x.shape),
        dweight: new Tensor(r.dweight, [C]),
        dbias: new Tensor(r.dbias, [C]),
      };
    },
    maxPool2d,
    adaptiveAvgPool2d: (x, h, w) =>
      h === 1 && w === 1 ? globalPool('globalavgpool', x) : js.adaptiveAvgPool2d(x, h, w),
    adaptiveMaxPool2d: (x, h, w) =>
      h === 1 && w === 1 ? globalPool('globalmaxpool', x) : js.adaptiveMaxPool2d(x, h, w),
    adaptiveAvgPool2dBackward(dout, inputShape) {
      const [N, C, H, W] = inputShape;
      if (dout.shape[2] !== 1 || dout.shape[3] !== 1) return js.adaptiveAvgPool2dBackward(dout, inputShape);
      // global pool: every input pixel of a plane gets the plane's gradient / (H·W)
      const plane = H * W;
      const dx = new Float32Array(N * C * plane);
      for (let nc = 0; nc < N * C; nc++) dx.fill(dout.data[nc] / plane, nc * plane, (nc + 1) * plane);
      return new Tensor(dx, inputShape);
    },
    linear(x, weight, bias) {
      const [N, IN] = x.shape;
      const OUT = weight.shape[0];
      const out = addon.matmul(x.data, false, weight.data, true, N, OUT, IN);
      if (bias !== null)
        for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) out[n * OUT + o] += bias.data[o];
      return new Tensor(out, [N, OUT]);
    },
    maxPool2dBackward(dout, x, p) {
      const [N, C, H, W] = x.shape;
      const dims = [N * C, H, W, dout.shape[2], dout.shape[3], ...p.kernelSize, ...p.stride, ...p.padding];
      return new Tensor(addon.maxPoolBackward(dout.data, x.data, dims), x.shape);
    },
    accumulate: (target, source) => addon.accumulate(target.data, source.data),
    sgdStep: (param, grad, buf, p) =>
      addon.sgdStep(
        param.data,
        grad.data,
        buf?.data ?? null,
        p.weightDecay,
        p.momentum,
        p.dampening,
        p.lr,
        p.nesterov,
        p.firstStep,
      ),
    roiAlign(x, rois, outH, outW, spatialScale, samplingRatio, aligned) {
      const [N, C, H, W] = x.shape;
      const out = addon.roiAlign(x.data, N, C, H, W, rois, outH, outW, spatialScale, samplingRatio, aligned);
      return new Tensor(out, [rois.length / 5, C, outH, outW]);
    },
    linearBackward(dout, x, weight) {
      const [N, IN] = x.shape;
      const OUT = weight.shape[0];
      const dbias = new Float32Array(OUT);
      for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) dbias[o] += dout.data[n * OUT + o];
      return {
        dx: new Tensor(addon.matmul(dout.data, false, weight.data, false, N, IN, OUT), [N, IN]),
        dweight: new Tensor(addon.matmul(dout.data, true, x.data, false, OUT, IN, N), [OUT, IN]),
        dbias: new Tensor(dbias, [OUT]),
      };
    },
  };
}
