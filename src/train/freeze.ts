/**
 * Freezing for fine-tuning: 'backbone' trains only fc (the rest runs in eval mode); 'bn' keeps every
 * BatchNorm in eval mode (running statistics fixed) with its affine parameters out of the optimizer.
 */
import type { ResNet } from '../model/resnet.js';
import { BatchNorm2d } from '../nn/layers.js';
import type { ParamRef } from '../nn/module.js';
import type { FreezeMode } from './options.js';

/** Puts the model in training mode as the freeze mode wants (call it at the start of each epoch). */
export function setTrainingMode(model: ResNet, freeze: FreezeMode): void {
  if (freeze === 'backbone') {
    model.eval();
    model.fc?.train();
    return;
  }
  model.train();
  if (freeze === 'bn')
    for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) m.training = false;
}

/** The parameters the optimizer updates under the freeze mode. */
export function trainableParams(model: ResNet, all: ParamRef[], freeze: FreezeMode): ParamRef[] {
  if (freeze === 'backbone') return all.filter((p) => p.name.startsWith('fc.'));
  if (freeze === 'bn') {
    const frozen = new Set<string>();
    for (const [path, m] of model.namedModules()) {
      if (m instanceof BatchNorm2d) for (const name of ['weight', 'bias']) frozen.add(`${path}.${name}`);
    }
    return all.filter((p) => !frozen.has(p.name));
  }
  return all;
}
