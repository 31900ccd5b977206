/**
 * Module: the base of every layer. As in PyTorch, attribute names are state-dict keys: a child module
 * stored in `this.layer1` contributes keys `layer1.…`, a parameter in `this.weight` the key `weight`.
 * Modules start in eval mode (this is an inference-first library); `train()` switches.
 */
import { StateDictError } from '../errors.js';
import { formatShape, sameShape, Tensor } from '../tensor/tensor.js';
import { accumulate } from '../ops/optim.js';

/** One leaf-module call, as recorded while tracing (see `traceLayers`). */
export interface LayerRecord {
  name: string;
  type: string;
  input: readonly number[];
  output: readonly number[];
  params: number;
  macs: number;
}

/** Sees every leaf-module call while set (traceLayers, observeLeafCalls): the module, its input and output. */
type LeafObserver = (module: Module, input: Tensor, output: Tensor) => void;
let observer: LeafObserver | null = null;

/** A parameter with its gradient accumulator, as optimizers see it. */
export interface ParamRef {
  name: string;
  value: Tensor;
  grad: Tensor;
}

export abstract class Module {
  training = false;
  /** Full dotted path in the model, set by `assignPaths`. */
  path = '';
  /** Gradients of own parameters, by parameter name, accumulated by `backward`. */
  readonly grads = new Map<string, Tensor>();

  /** Names of own parameters (trainable tensors), in registration order. */
  protected parameterNames(): readonly string[] {
    return [];
  }

  /** Names of own buffers (running statistics, counters), in registration order. */
  protected bufferNames(): readonly string[] {
    return [];
  }

  protected abstract forward(x: Tensor): Tensor;

  /**
   * Gradient of the loss with respect to this module's input, given the gradient with respect to its
   * output; parameter gradients are added to `grads`. Calls must mirror the training-mode forward
   * calls in reverse order (each module keeps what its backward needs on a stack).
   */
  backward(_dout: Tensor): Tensor {
    throw new Error(`${this.constructor.name} has no backward pass`);
  }

  protected accumulateGrad(name: string, grad: Tensor): void {
    const g = this.grads.get(name);
    if (g === undefined) this.grads.set(name, grad.clone());
    else accumulate(g, grad);
  }

  /** Multiply-accumulates of one call, for summaries. */
  countMacs(_input: readonly number[], _output: readonly number[]): number {
    return 0;
  }

  call(x: Tensor): Tensor {
    const y = this.forward(x);
    if (observer !== null && this.children().length === 0) observer(this, x, y);
    return y;
  }

  children(): [string, Module][] {
    return Object.entries(this).filter((entry): entry is [string, Module] => entry[1] instanceof Module);
  }

  private ownTensor(name: string): Tensor {
    const value: unknown = (this as Record<string, unknown>)[name];
    if (!(value instanceof Tensor)) throw new Error(`${this.constructor.name}.${name} is not a tensor`);
    return value;
  }

  ownParameters(): [string, Tensor][] {
    return this.parameterNames().map((name) => [name, this.ownTensor(name)]);
  }

  /** Every (path, module) pair below and including this one, depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const result: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children()) {
      result.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    }
    return result;
  }

  namedParameters(): [string, Tensor][] {
    return this.namedModules().flatMap(([path, m]) =>
      m.ownParameters().map(([name, t]): [string, Tensor] => [path === '' ? name : `${path}.${name}`, t]),
    );
  }

  /** Parameters and buffers by full key, in PyTorch's order. */
  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const name of [...m.parameterNames(), ...m.bufferNames()]) {
        result.set(path === '' ? name : `${path}.${name}`, m.ownTensor(name));
      }
    }
    return result;
  }

  /** Copies tensors into the model after checking them with `checkStateDict`. */
  loadStateDict(
    tensors: ReadonlyMap<string, Tensor>,
    options: { strict?: boolean; source?: string } = {},
  ): void {
    const own = this.stateDict();
    checkStateDict(own, new Map([...tensors].map(([k, t]) => [k, t.shape])), options);
    for (const [key, target] of own) {
      const source = tensors.get(key);
      if (source !== undefined) target.data.set(source.data);
    }
  }

  /** Every parameter with its gradient (zeros before the first backward), by full key. */
  parameters(): ParamRef[] {
    return this.namedModules().flatMap(([path, m]) =>
      m.ownParameters().map(([name, value]): ParamRef => {
        let grad = m.grads.get(name);
        if (grad === undefined) {
          grad = Tensor.zeros(value.shape);
          m.grads.set(name, grad);
        }
        return { name: path === '' ? name : `${path}.${name}`, value, grad };
      }),
    );
  }

  /** Sets every parameter gradient to zero (keeping the tensors optimizers hold). */
  zeroGrad(): void {
    for (const [, m] of this.namedModules()) for (const g of m.grads.values()) g.data.fill(0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}

/**
 * Checks tensor shapes by key against a model's state dict. Strict: every key of the model must be
 * present with the same shape, and no other key may be; all problems are reported together with
 * full key paths and both shapes.
 */
export function checkStateDict(
  own: ReadonlyMap<string, Tensor>,
  shapes: ReadonlyMap<string, readonly number[]>,
  options: { strict?: boolean; source?: string } = {},
): void {
  const strict = options.strict ?? true;
  const missing = [...own.keys()].filter((k) => !shapes.has(k));
  const unexpected = [...shapes.keys()].filter((k) => !own.has(k));
  const mismatched: string[] = [];
  for (const [key, target] of own) {
    const shape = shapes.get(key);
    if (shape !== undefined && !sameShape(shape, target.shape)) {
      mismatched.push(
        `${key} is ${formatShape(shape)} in the file but ${formatShape(target.shape)} in the model`,
      );
    }
  }
  const problems: string[] = [];
  if (mismatched.length > 0) problems.push(`shape mismatch: ${listSome(mismatched)}`);
  if (strict && missing.length > 0) problems.push(`missing keys: ${listSome(missing)}`);
  if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${listSome(unexpected)}`);
  if (problems.length > 0) {
    const what = options.source === undefined ? 'The state dict' : options.source;
    throw new StateDictError(`${what} does not fit the model: ${problems.join('; ')}.`);
  }
}

function listSome(items: string[], limit = 6): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}

/** Sets `path` on every module below root to its dotted state-dict prefix. */
export function assignPaths(root: Module): void {
  for (const [path, m] of root.namedModules()) m.path = path;
}

/**
 * Runs fn (which calls into `root`) while `see` is shown every leaf-module call with its input and
 * output; module paths are set first. Calls are synchronous, so the observer is fn's alone.
 */
export function observeLeafCalls<T>(root: Module, see: LeafObserver, fn: () => T): T {
  assignPaths(root);
  const previous = observer;
  observer = see;
  try {
    return fn();
  } finally {
    observer = previous;
  }
}

/** Runs fn while recording every leaf-module call. */
export function traceLayers(root: Module, fn: () => void): LayerRecord[] {
  const records: LayerRecord[] = [];
  observeLeafCalls(
    root,
    (m, x, y) =>
      records.push({
        name: m.path,
        type: m.constructor.name,
        input: x.shape,
        output: y.shape,
        params: m.ownParameters().reduce((sum, [, t]) => sum + t.size, 0),
        macs: m.countMacs(x.shape, y.shape),
      }),
    fn,
  );
  return records;
}

/** Children named '0', '1', … called in order, as torch.nn.Sequential. */
export class Sequential extends Module {
  [index: number]: Module;
  readonly length: number;

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      this[i] = m;
    });
    this.length = modules.length;
  }

  protected forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.length; i++) y = this[i].call(y);
    return y;
  }

  override backward(dout: Tensor): Tensor {
    let d = dout;
    for (let i = this.length - 1; i >= 0; i--) d = this[i].backward(d);
    return d;
  }
}

/** What a module saved in a training-mode forward for its backward: a stack, as a module may run more than once. */
export class SavedForBackward<T> {
  private readonly stack: T[] = [];

  save(module: Module, value: T): void {
    if (module.training) this.stack.push(value);
  }

  take(module: Module): T {
    const value = this.stack.pop();
    if (value === undefined) {
      throw new Error(`${module.constructor.name} ${module.path}: backward without a training-mode forward`);
    }
    return value;
  }
}
