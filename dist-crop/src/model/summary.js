/** Per-layer summary (name, type, output shape, params, MACs) by tracing the model on the meta backend. */
import { withBackend } from '../backends/registry.js';
import { traceLayers } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { Conv2d, Linear } from '../nn/layers.js';
export function summarize(model, arch, height, width) {
    const records = withBackend('meta', () => traceLayers(model, () => {
        model.call(Tensor.zeros([1, 3, height, width]));
    }));
    const layers = records.map((r) => ({
        name: r.name,
        type: r.type,
        output: r.output.slice(1),
        params: r.params,
        macs: r.macs,
    }));
    const weightedLayers = model
        .namedModules()
        .filter(([path, m]) => (m instanceof Conv2d || m instanceof Linear) && !path.includes('downsample')).length;
    return {
        arch,
        input: [3, height, width],
        layers,
        totalParams: model.namedParameters().reduce((sum, [, t]) => sum + t.size, 0),
        totalMacs: layers.reduce((sum, l) => sum + l.macs, 0),
        weightedLayers,
    };
}
//# sourceMappingURL=summary.js.map