/**
 * Faster R-CNN R50-FPN latency on one 800×1333 image: ours on the native engine against torchvision
 * on CPU (bench/torch_detect.py, torch.set_num_threads(threads)), in the same run.
 *
 *   npm run build && node dist/bench/detect_compare.js [--models v1,v2] [--runs 3] [--warmup 1]
 *       [--threads 2] [--backend native]
 *
 * Input: the shared chelsea.png as a [0, 1] tensor, resized to 800×1333 (bilinear,
 * align_corners=False, as torch's interpolate); the detection transform then keeps 800×1333 (scale
 * exactly 1) and pads to a 1×3×800×1344 batch. Both sides use the rule weights of
 * test/helpers/rule_weights.ts / test/fixtures/rule_weights.py (timing does not depend on values,
 * but the number of boxes reaching NMS does, and it is the same on both sides). Each side: --warmup
 * untimed passes, then the median of --runs timed ones (the whole model: transform, backbone,
 * RPN, RoI heads, postprocessing). Prints a markdown table and one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon } from '../src/backends/native/addon.js';
import { readImage } from '../src/io/image.js';
import { FasterRCNN, imageToTensor, resizeBilinear, } from '../src/model/detection/index.js';
import { Detector, loadDetectionStateDict } from '../src/tasks/detect.js';
import { resolveBackend } from '../src/tasks/runner.js';
import { ruleStateDict } from '../test/helpers/rule_weights.js';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TORCH_HELPER = join(REPO, 'bench', 'torch_detect.py');
const PYTHON = '/usr/bin/python3';
const { values } = parseArgs({
    options: {
        models: { type: 'string', default: 'v1,v2' },
        runs: { type: 'string', default: '3' },
        warmup: { type: 'string', default: '1' },
        threads: { type: 'string', default: '2' },
        backend: { type: 'string', default: 'native' },
    },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const threads = Number(values.threads);
const backend = resolveBackend(values.backend);
if (backend === 'native')
    nativeAddon().configure({ threads });
const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const photo = imageToTensor(readImage(join(REPO, '..', 'shared', 'images', 'chelsea.png')));
const image = resizeBilinear(photo, 800, 1333);
const rows = [];
for (const version of values.models.split(',')) {
    const model = new FasterRCNN(version);
    loadDetectionStateDict(model, ruleStateDict(model), 'rule weights');
    const detector = new Detector(model, backend);
    const oursMs = [];
    let oursDetections = 0;
    for (let i = 0; i < warmup + runs; i++) {
        const start = performance.now();
        const out = await detector.detect([image]);
        if (i >= warmup)
            oursMs.push(performance.now() - start);
        oursDetections = out.detections[0].scores.length;
        process.stderr.write(`ours ${version} pass ${i + 1}: ${(performance.now() - start).toFixed(0)} ms\n`);
    }
    const r = spawnSync(PYTHON, [
        TORCH_HELPER,
        '--model',
        version,
        '--runs',
        String(runs),
        '--warmup',
        String(warmup),
        '--threads',
        String(threads),
    ], { encoding: 'utf8', cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0)
        throw new Error(`torch_detect.py failed: ${r.stderr}`);
    const torch = JSON.parse(r.stdout.trim().split('\n').pop());
    process.stderr.write(`torchvision ${version}: ${torch.times_ms.map((t) => t.toFixed(0)).join(', ')} ms\n`);
    rows.push({
        model: version,
        oursMs,
        oursDetections,
        torchMs: torch.times_ms,
        torchDetections: torch.detections,
    });
}
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`| model | ours (${backend}, ${threads} threads) | torchvision CPU (${threads} threads) | ours / torch | detections (ours, torch) |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
    const ours = median(r.oursMs);
    const torch = median(r.torchMs);
    console.log(`| ${r.model} | ${fmt(ours)} | ${fmt(torch)} | ${(ours / torch).toFixed(2)} | ${r.oursDetections}, ${r.torchDetections} |`);
}
console.log(JSON.stringify({ input: [1, 3, 800, 1344], backend, threads, runs, warmup, rows }));
//# sourceMappingURL=detect_compare.js.map