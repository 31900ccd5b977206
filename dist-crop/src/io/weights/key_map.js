/**
 * The one table of state-dict key remaps. Our models use torchvision's names. Hugging Face
 * `microsoft/resnet-50` (transformers' ResNetForImageClassification) uses its own module tree,
 * mapped below rule by rule; the same rules run in both directions. timm's resnet50 already uses
 * torchvision's names (conv1, bn1, layerN.M.convK/bnK/downsample.0/1, fc), so it needs no rule.
 * DataParallel's `module.` and wrapper `model.` prefixes are stripped when every key carries them.
 */
import { FileFormatError } from '../../errors.js';
/**
 * [Hugging Face, torchvision] templates. `{p}` is a parameter/buffer name (weight, running_mean, ...);
 * `{s}`, `{b}`, `{i}` are indices, and `{s+1}` writes index s plus one (HF stages count from 0).
 */
const RULES = [
    ['resnet.embedder.embedder.convolution.weight', 'conv1.weight'],
    ['resnet.embedder.embedder.normalization.{p}', 'bn1.{p}'],
    ['resnet.encoder.stages.{s}.layers.{b}.shortcut.convolution.weight', 'layer{s+1}.{b}.downsample.0.weight'],
    ['resnet.encoder.stages.{s}.layers.{b}.shortcut.normalization.{p}', 'layer{s+1}.{b}.downsample.1.{p}'],
    ['resnet.encoder.stages.{s}.layers.{b}.layer.{i}.convolution.weight', 'layer{s+1}.{b}.conv{i+1}.weight'],
    ['resnet.encoder.stages.{s}.layers.{b}.layer.{i}.normalization.{p}', 'layer{s+1}.{b}.bn{i+1}.{p}'],
    ['classifier.1.{p}', 'fc.{p}'],
];
const STRIPPED_PREFIXES = ['module.', 'model.'];
const PLACEHOLDER = /\{(\w)(?:\+(\d+))?\}/g;
function compile(text) {
    const slots = [];
    let source = '';
    let last = 0;
    for (const m of text.matchAll(PLACEHOLDER)) {
        source += escape(text.slice(last, m.index));
        source += m[1] === 'p' ? '([A-Za-z_]+)' : '(\\d+)';
        slots.push({ name: m[1], offset: Number(m[2] ?? 0) });
        last = m.index + m[0].length;
    }
    source += escape(text.slice(last));
    return { regex: new RegExp(`^${source}$`), slots, text };
}
function escape(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function match(t, key) {
    const m = t.regex.exec(key);
    if (!m)
        return null;
    const values = new Map();
    for (const [i, slot] of t.slots.entries()) {
        const raw = m[i + 1];
        if (slot.name === 'p') {
            values.set('p', raw);
        }
        else {
            const v = Number(raw) - slot.offset;
            if (v < 0)
                return null;
            values.set(slot.name, v);
        }
    }
    return values;
}
function format(t, values) {
    return t.text.replace(PLACEHOLDER, (_m, name, off) => {
        const v = values.get(name);
        return typeof v === 'number' ? String(v + Number(off ?? 0)) : v;
    });
}
const COMPILED = RULES.map(([hf, tv]) => ({ hf: compile(hf), tv: compile(tv) }));
function renameKey(key, from) {
    for (const rule of COMPILED) {
        const values = match(rule[from], key);
        if (values)
            return format(rule[from === 'hf' ? 'tv' : 'hf'], values);
    }
    return key;
}
function rename(map, fn, source) {
    const out = new Map();
    const origin = new Map();
    for (const [key, value] of map) {
        const to = fn(key);
        if (origin.has(to)) {
            throw new FileFormatError(`${source}: keys '${origin.get(to)}' and '${key}' both map to '${to}'.`);
        }
        origin.set(to, key);
        out.set(to, value);
    }
    return out;
}
function stripPrefixes(map) {
    const keys = [...map.keys()];
    const prefix = STRIPPED_PREFIXES.find((p) => keys.length > 0 && keys.every((k) => k.startsWith(p)));
    if (!prefix)
        return map;
    return stripPrefixes(new Map([...map].map(([k, v]) => [k.slice(prefix.length), v])));
}
/** True when the keys follow transformers' ResNet layout (with or without the `resnet.` prefix). */
export function isHuggingFaceLayout(keys) {
    for (const k of keys)
        if (/^(resnet\.)?(embedder\.embedder|encoder\.stages)\./.test(k))
            return true;
    return false;
}
/**
 * Renames a state dict to torchvision keys: strips `module.`/`model.` prefixes and, for the Hugging
 * Face layout, applies RULES. Other keys pass through unchanged. `source` names the file in errors.
 */
export function toTorchvisionKeys(map, source = 'weights') {
    const stripped = stripPrefixes(map);
    if (!isHuggingFaceLayout(stripped.keys()))
        return stripped;
    const withModelPrefix = (k) => (/^(embedder|encoder)\./.test(k) ? `resnet.${k}` : k);
    return rename(stripped, (k) => renameKey(withModelPrefix(k), 'hf'), source);
}
/** Renames torchvision keys to the Hugging Face ResNetForImageClassification layout. */
export function toHuggingFaceKeys(map, source = 'weights') {
    return rename(map, (k) => renameKey(k, 'tv'), source);
}
/**
 * torchvision detection checkpoints saved before 0.13 (e.g. `fasterrcnn_resnet50_fpn_coco`) use
 * the old names that RPNHead and FeaturePyramidNetwork upgrade in `_load_from_state_dict`
 * (state-dict version < 2): [old, new] templates, `{i}` an index and `{p}` weight or bias.
 */
const DETECTION_UPGRADES = [
    ['rpn.head.conv.{p}', 'rpn.head.conv.0.0.{p}'],
    ['backbone.fpn.inner_blocks.{i}.{p}', 'backbone.fpn.inner_blocks.{i}.0.{p}'],
    ['backbone.fpn.layer_blocks.{i}.{p}', 'backbone.fpn.layer_blocks.{i}.0.{p}'],
].map(([from, to]) => ({ from: compile(from), to: compile(to) }));
/**
 * Renames a detection state dict to torchvision 0.14's keys: strips `module.`/`model.` prefixes and
 * upgrades the pre-0.13 RPN head and FPN names. Current keys pass through unchanged.
 */
export function toDetectionKeys(map, source = 'weights') {
    return rename(stripPrefixes(map), (key) => {
        for (const rule of DETECTION_UPGRADES) {
            const values = match(rule.from, key);
            if (values)
                return format(rule.to, values);
        }
        return key;
    }, source);
}
//# sourceMappingURL=key_map.js.map