/**
 * The WebAssembly engine behind the kernel interface, op by op (training, Grad-CAM, parity tests):
 * kernels are synchronous, so they run a single-threaded instance on the calling thread. Convolutions
 * (groups 1, dilation 1), max-pools, global pools, linear layers and zero-pad shortcuts run as
 * one-op plans of the engine (engine.ts); ReLU, add and batch norm are element-wise kernels on NCHW
 * data. Everything else (softmax, RoIAlign, non-global adaptive pools, grouped or dilated convs, the
 * training kernels) is the reference kernel of backends/js.
 */
import type { Backend, Conv2dParams, MaxPool2dParams } from '../backend.js';
import { createJsBackend } from '../js/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { FileTensor } from '../../plan/plan.js';
import { Engine, createMemory, instantiate } from './engine.js';
import type { WasmOp } from './ops.js';
import type { WasmPlatform } from './platform.js';
import { WebAssemblyApi } from './wasm_api.js';

/** A single-threaded engine on this thread: the relaxed-SIMD build where it validates, else plain SIMD. */
function localEngine(platform: WasmPlatform): Engine {
  let bytes = platform.wasmBytesSync('relaxed-st');
  if (!WebAssemblyApi.validate(bytes)) bytes = platform.wasmBytesSync('simd-st');
  const memory = createMemory(false);
  return new Engine(instantiate(new WebAssemblyApi.Module(bytes), memory), memory, 1, 0);
}

const inMemoryOnly = (t: FileTensor): Float32Array => {
  throw new TypeError(`wasm kernels take tensors in memory, not ${t.file}`);
};

export function createWasmBackend(platform: WasmPlatform): Backend {
  const js = createJsBackend();
  let local: Engine | undefined;
  const engine = (): Engine => (local ??= localEngine(platform));

  /** Runs input → op (slot 1) → toplain (slot 2, unless the op's output is flat) on x (N, C, H, W). */
  const runOne = (x: Tensor, input: WasmOp, op: WasmOp, flat: boolean): Tensor => {
    const e = engine();
    const ops: WasmOp[] = flat ? [input, op] : [input, op, { op: 'toplain', input: 1, output: 2 }];
    const plan = e.compile(ops, [flat ? 1 : 2], inMemoryOnly);
    try {
      const [N, C, H, W] = x.shape.length === 4 ? x.shape : [x.shape[0], x.shape[1], 1, 1];
      const [result] = e.run(plan, x.data, [N, C, H, W]);
      return new Tensor(result.data, result.shape);
    } finally {
      e.free(plan);
    }
  };
  const blockedInput = (channels: number): WasmOp => ({
    op: 'input',
    output: 0,
    layout: 'blocked',
    channels,
    border: 0,
  });

  /** out = kernel(inputs…) over float32 buffers of wasm memory, n values out. */
  const elementwise = (
    inputs: Float32Array[],
    n: number,
    kernel: (e: Engine, ptrs: number[], out: number) => void,
  ) => {
    const e = engine();
    const ptrs: number[] = [];
    try {
      for (const data of inputs) ptrs.push(e.copyIn(data));
      const out = e.alloc(4 * n);
      ptrs.push(out);
      kernel(e, ptrs, out);
      return e.f32(out, n).slice();
    } finally {
      ptrs.forEach((p) => e.exports.release(p));
    }
  };

  const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor => {
    if (p.groups !== 1 || p.dilation[0] !== 1 || p.dilation[1] !== 1) return js.conv2d(x, weight, bias, p);
    const [OC, C, KH, KW] = weight.shape;
    const input: WasmOp = {
      op: 'input',
      output: 0,
      layout: 'plain',
      channels: C,
      border: Math.max(...p.padding),
    };
    const conv: WasmOp = {
      op: 'conv',
      input: 0,
      output: 1,
      residual: null,
      relu: false,
      inChannels: C,
      outChannels: OC,
      kernelH: KH,
      kernelW: KW,
      strideH: p.stride[0],
      strideW: p.stride[1],
      padH: p.padding[0],
      padW: p.padding[1],
      weight: weight.data,
      bias: bias?.data ?? null,
      bnWeight: null,
      bnBias: null,
      bnMean: null,
      bnVar: null,
      bnEps: 0,
    };
    return runOne(x, input, conv, false);
  };

  const maxPool2d = (x: Tensor, p: MaxPool2dParams): Tensor =>
    runOne(
      x,
      blockedInput(x.shape[1]),
      {
        op: 'maxpool',
        input: 0,
        output: 1,
        kernelH: p.kernelSize[0],
        kernelW: p.kernelSize[1],
        strideH: p.stride[0],
        strideW: p.stride[1],
        padH: p.padding[0],
        padW: p.padding[1],
      },
      false,
    );

  const globalPool = (x: Tensor, mode: 'globalavgpool' | 'globalmaxpool'): Tensor => {
    const pooled = runOne(x, blockedInput(x.shape[1]), { op: mode, input: 0, output: 1 }, true);
    return pooled.reshape([x.shape[0], x.shape[1], 1, 1]);
  };

  return {
    ...js,
    name: 'wasm',
    conv2d,
    batchNorm2d(x, mean, variance, weight, bias, eps) {
      const [N, C, H, W] = x.shape;
      const scale = new Float32Array(C);
      const shift = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        scale[c] = weight.data[c] * (1 / Math.sqrt(variance.data[c] + eps));
        shift[c] = bias.data[c] - mean.data[c] * scale[c];
      }
      const out = elementwise([x.data, scale, shift], x.size, (e, [xp, sp, tp], o) =>
        e.exports.affine_plain(xp, o, N, C, H * W, sp, tp),
      );
      return new Tensor(out, x.shape);
    },
    relu: (x) =>
      new Tensor(
        elementwise([x.data], x.size, (e, [xp], o) => e.exports.relu_plain(xp, o, x.size)),
        x.shape,
      ),
    add: (a, b) =>
      new Tensor(
        elementwise([a.data, b.data], a.size, (e, [ap, bp], o) => e.exports.add_plain(ap, bp, o, a.size)),
        a.shape,
      ),
    maxPool2d,
    adaptiveAvgPool2d: (x, outH, outW) =>
      outH === 1 && outW === 1 ? globalPool(x, 'globalavgpool') : js.adaptiveAvgPool2d(x, outH, outW),
    adaptiveMaxPool2d: (x, outH, outW) =>
      outH === 1 && outW === 1 ? globalPool(x, 'globalmaxpool') : js.adaptiveMaxPool2d(x, outH, outW),
    linear(x, weight, bias) {
      const [OUT, IN] = weight.shape;
      return runOne(
        x,
        { op: 'input', output: 0, layout: 'flat', channels: IN, border: 0 },
        {
          op: 'linear',
          input: 0,
          output: 1,
          inFeatures: IN,
          outFeatures: OUT,
          weight: weight.data,
          bias: bias?.data ?? null,
        },
        true,
      );
    },
    zeroPadShortcut: (x, outChannels, stride) =>
      runOne(x, blockedInput(x.shape[1]), { op: 'zeropad', input: 0, output: 1, outChannels, stride }, false),
  };
}
