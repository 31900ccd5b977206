/**
 * Module: the base of every layer. As in PyTorch, attribute names are state-dict keys: a child module
 * stored in `this.layer1` contributes keys `layer1.…`, a parameter in `this.weight` the key `weight`.
 * Modules start in eval mode (this is an inference-first library); `train()` switches.
 */
import { ShapeError, StateDictError } from '../errors.js';
import { formatShape, sameShape, Tensor } from '../tensor/tensor.js';
import { accumulate } from '../ops/optim.js';
let recorder = null;
export class Module {
    training = false;
    /** Full dotted path in the model, set by `assignPaths`. */
    path = '';
    /** Gradients of own parameters, by parameter name, accumulated by `backward`. */
    grads = new Map();
    /** Names of own parameters (trainable tensors), in registration order. */
    parameterNames() {
        return [];
    }
    /** Names of own buffers (running statistics, counters), in registration order. */
    bufferNames() {
        return [];
    }
    /**
     * Gradient of the loss with respect to this module's input, given the gradient with respect to its
     * output; parameter gradients are added to `grads`. Calls must mirror the training-mode forward
     * calls in reverse order (each module keeps what its backward needs on a stack).
     */
    backward(_dout) {
        throw new Error(`${this.constructor.name} has no backward pass`);
    }
    accumulateGrad(name, grad) {
        const g = this.grads.get(name);
        if (g === undefined)
            this.grads.set(name, grad.clone());
        else
            accumulate(g, grad);
    }
    /** Multiply-accumulates of one call, for summaries. */
    countMacs(_input, _output) {
        return 0;
    }
    call(x) {
        const y = this.forward(x);
        if (recorder !== null && this.children().length === 0) {
            recorder({
                name: this.path,
                type: this.constructor.name,
                input: x.shape,
                output: y.shape,
                params: this.ownParameters().reduce((sum, [, t]) => sum + t.size, 0),
                macs: this.countMacs(x.shape, y.shape),
            });
        }
        return y;
    }
    children() {
        return Object.entries(this).filter((entry) => entry[1] instanceof Module);
    }
    ownTensor(name) {
        const value = this[name];
        if (!(value instanceof Tensor))
            throw new Error(`${this.constructor.name}.${name} is not a tensor`);
        return value;
    }
    ownParameters() {
        return this.parameterNames().map((name) => [name, this.ownTensor(name)]);
    }
    /** Every (path, module) pair below and including this one, depth first. */
    namedModules(prefix = '') {
        const result = [[prefix, this]];
        for (const [name, child] of this.children()) {
            result.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`));
        }
        return result;
    }
    namedParameters() {
        return this.namedModules().flatMap(([path, m]) => m.ownParameters().map(([name, t]) => [path === '' ? name : `${path}.${name}`, t]));
    }
    /** Parameters and buffers by full key, in PyTorch's order. */
    stateDict() {
        const result = new Map();
        for (const [path, m] of this.namedModules()) {
            for (const name of [...m.parameterNames(), ...m.bufferNames()]) {
                result.set(path === '' ? name : `${path}.${name}`, m.ownTensor(name));
            }
        }
        return result;
    }
    /** Copies tensors into the model after checking them with `checkStateDict`. */
    loadStateDict(tensors, options = {}) {
        const own = this.stateDict();
        checkStateDict(own, new Map([...tensors].map(([k, t]) => [k, t.shape])), options);
        for (const [key, target] of own) {
            const source = tensors.get(key);
            if (source !== undefined)
                target.data.set(source.data);
        }
    }
    /** Every parameter with its gradient (zeros before the first backward), by full key. */
    parameters() {
        return this.namedModules().flatMap(([path, m]) => m.ownParameters().map(([name, value]) => {
            let grad = m.grads.get(name);
            if (grad === undefined) {
                grad = Tensor.zeros(value.shape);
                m.grads.set(name, grad);
            }
            return { name: path === '' ? name : `${path}.${name}`, value, grad };
        }));
    }
    /** Sets every parameter gradient to zero (keeping the tensors optimizers hold). */
    zeroGrad() {
        for (const [, m] of this.namedModules())
            for (const g of m.grads.values())
                g.data.fill(0);
    }
    train(mode = true) {
        for (const [, m] of this.namedModules())
            m.training = mode;
        return this;
    }
    eval() {
        return this.train(false);
    }
}
/**
 * Checks tensor shapes by key against a model's state dict. Strict: every key of the model must be
 * present with the same shape, and no other key may be; all problems are reported together with
 * full key paths and both shapes.
 */
export function checkStateDict(own, shapes, options = {}) {
    const strict = options.strict ?? true;
    const missing = [...own.keys()].filter((k) => !shapes.has(k));
    const unexpected = [...shapes.keys()].filter((k) => !own.has(k));
    const mismatched = [];
    for (const [key, target] of own) {
        const shape = shapes.get(key);
        if (shape !== undefined && !sameShape(shape, target.shape)) {
            mismatched.push(`${key} is ${formatShape(shape)} in the file but ${formatShape(target.shape)} in the model`);
        }
    }
    const problems = [];
    if (mismatched.length > 0)
        problems.push(`shape mismatch: ${listSome(mismatched)}`);
    if (strict && missing.length > 0)
        problems.push(`missing keys: ${listSome(missing)}`);
    if (strict && unexpected.length > 0)
        problems.push(`unexpected keys: ${listSome(unexpected)}`);
    if (problems.length > 0) {
        const what = options.source === undefined ? 'The state dict' : options.source;
        throw new StateDictError(`${what} does not fit the model: ${problems.join('; ')}.`);
    }
}
function listSome(items, limit = 6) {
    const shown = items.slice(0, limit).join(', ');
    return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}
/** Sets `path` on every module below root to its dotted state-dict prefix. */
export function assignPaths(root) {
    for (const [path, m] of root.namedModules())
        m.path = path;
}
/** Runs fn while recording every leaf-module call. */
export function traceLayers(root, fn) {
    assignPaths(root);
    const records = [];
    const previous = recorder;
    recorder = (r) => records.push(r);
    try {
        fn();
    }
    finally {
        recorder = previous;
    }
    return records;
}
/** Children named '0', '1', … called in order, as torch.nn.Sequential. */
export class Sequential extends Module {
    length;
    constructor(...modules) {
        super();
        modules.forEach((m, i) => {
            this[i] = m;
        });
        this.length = modules.length;
    }
    forward(x) {
        let y = x;
        for (let i = 0; i < this.length; i++)
            y = this[i].call(y);
        return y;
    }
    backward(dout) {
        let d = dout;
        for (let i = this.length - 1; i >= 0; i--)
            d = this[i].backward(d);
        return d;
    }
}
/** What a module saved in a training-mode forward for its backward: a stack, as a module may run more than once. */
export class SavedForBackward {
    stack = [];
    save(module, value) {
        if (module.training)
            this.stack.push(value);
    }
    take(module) {
        const value = this.stack.pop();
        if (value === undefined) {
            throw new Error(`${module.constructor.name} ${module.path}: backward without a training-mode forward`);
        }
        return value;
    }
}
export function expectInputRank(module, x, rank) {
    if (x.rank !== rank) {
        throw new ShapeError(`${module} expects a ${rank}-D input, got shape ${formatShape(x.shape)}.`);
    }
}
//# sourceMappingURL=module.js.map