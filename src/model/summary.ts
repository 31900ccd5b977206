/** Per-layer summary (name, type, output shape, params, MACs) by tracing the model on the meta backend. */
import { withBackend } from '../backends/registry.js';
import { traceLayers, type Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { Conv2d, Linear } from '../nn/layers.js';

export interface SummaryLayer {
  name: string;
  type: string;
  /** Output shape without the batch axis, [C, H, W] or [features]. */
  output: number[];
  params: number;
  macs: number;
}

export interface ModelSummary {
  arch: string;
  input: [number, number, number];
  layers: SummaryLayer[];
  totalParams: number;
  totalMacs: number;
  /** Conv and linear layers on the main path (shortcut projections excluded), as the paper counts depth. */
  weightedLayers: number;
}

export function summarize(model: Module, arch: string, height: number, width: number): ModelSummary {
  const records = withBackend('meta', () =>
    traceLayers(model, () => {
      model.call(Tensor.zeros([1, 3, height, width]));
    }),
  );
  // An empty stage (layer4 of the CIFAR family) is a leaf without parameters: not a layer.
  const layers = records
    .filter((r) => r.type !== 'Sequential')
    .map((r) => ({
      name: r.name,
      type: r.type,
      output: r.output.slice(1),
      params: r.params,
      macs: r.macs,
    }));
  const weightedLayers = model
    .namedModules()
    .filter(
      ([path, m]) => (m instanceof Conv2d || m instanceof Linear) && !path.includes('downsample'),
    ).length;
  return {
    arch,
    input: [3, height, width],
    layers,
    totalParams: model.namedParameters().reduce((sum, [, t]) => sum + t.size, 0),
    totalMacs: layers.reduce((sum, l) => sum + l.macs, 0),
    weightedLayers,
  };
}
