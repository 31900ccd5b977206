/**
 * torchvision's FeaturePyramidNetwork (ops/feature_pyramid_network.py) with the LastLevelMaxPool
 * extra block: from ResNet's C2..C5 to P2..P5 (256 channels each) and P6 = maxpool(P5, 1, stride 2).
 *
 *   inner_blocks[i]: 1×1 lateral conv of C(i+2)       layer_blocks[i]: 3×3 output conv
 *   top-down:        last = inner[3](C5); for i = 2..0: last = inner[i](C(i+2)) + nearest-upsample(last)
 */
import { ShapeError } from '../../errors.js';
import * as ops from '../../ops/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { Sequential } from '../../nn/module.js';
import { Container, conv2dNormActivation } from './layers.js';
/**
 * torch.nn.functional.interpolate(x, size=[outH, outW], mode='nearest') for x (N, C, H, W):
 * source index min(floor(dst · in/out), in − 1) with the scale in float32 (exact halving for 2×).
 */
export function upsampleNearest(x, outH, outW) {
    if (x.rank !== 4)
        throw new ShapeError('upsampleNearest expects an (N, C, H, W) tensor.');
    const [N, C, H, W] = x.shape;
    const index = (inSize, outSize) => {
        const scale = Math.fround(inSize / outSize);
        return Int32Array.from({ length: outSize }, (_, d) => Math.min(Math.floor(Math.fround(d * scale)), inSize - 1));
    };
    const ys = index(H, outH);
    const xs = index(W, outW);
    const out = new Float32Array(N * C * outH * outW);
    for (let p = 0; p < N * C; p++) {
        const plane = x.data.subarray(p * H * W, (p + 1) * H * W);
        for (let oy = 0; oy < outH; oy++) {
            const row = ys[oy] * W;
            const o = (p * outH + oy) * outW;
            for (let ox = 0; ox < outW; ox++)
                out[o + ox] = plane[row + xs[ox]];
        }
    }
    return new Tensor(out, [N, C, outH, outW]);
}
export class FeaturePyramidNetwork extends Container {
    inner_blocks;
    layer_blocks;
    outChannels;
    constructor(options = {}) {
        super();
        const inChannelsList = options.inChannelsList ?? [256, 512, 1024, 2048];
        const norm = options.norm ?? false;
        this.outChannels = options.outChannels ?? 256;
        this.inner_blocks = new Sequential(...inChannelsList.map((c) => conv2dNormActivation(c, this.outChannels, 1, { norm, relu: false })));
        this.layer_blocks = new Sequential(...inChannelsList.map(() => conv2dNormActivation(this.outChannels, this.outChannels, 3, { norm, relu: false })));
    }
    /** C2..C5 → P2..P6 ('0', '1', '2', '3', 'pool' in torchvision), finest first. */
    run(features) {
        const n = this.inner_blocks.length;
        if (features.length !== n)
            throw new ShapeError(`FPN expects ${n} feature maps, got ${features.length}.`);
        let lastInner = this.inner_blocks[n - 1].call(features[n - 1]);
        const results = [this.layer_blocks[n - 1].call(lastInner)];
        for (let i = n - 2; i >= 0; i--) {
            const lateral = this.inner_blocks[i].call(features[i]);
            const topDown = upsampleNearest(lastInner, lateral.shape[2], lateral.shape[3]);
            lastInner = ops.add(lateral, topDown);
            results.unshift(this.layer_blocks[i].call(lastInner));
        }
        // LastLevelMaxPool: F.max_pool2d(P5, kernel_size=1, stride=2, padding=0)
        const last = results[results.length - 1];
        results.push(ops.maxPool2d(last, { kernelSize: [1, 1], stride: [2, 2], padding: [0, 0] }));
        return results;
    }
}
//# sourceMappingURL=fpn.js.map