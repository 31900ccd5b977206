/** Weights loading helpers of the task layer: the cached safetensors copy of downloaded .pth files. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexWeightsFile, loadWeightsFile, saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { cachedSafetensors } from '../src/tasks/pretrained.js';
import { ruleStateDict } from './helpers/rule_weights.js';
test('a cached .pth gets a float32 safetensors copy once, which the native engine can stream', () => {
    const dir = mkdtempSync(join(tmpdir(), 'resnet50-cache-'));
    try {
        const pth = join(dir, 'resnet18-f37072fd.pth');
        const state = ruleStateDict(resnet('resnet18', { init: 'none' }));
        saveWeightsFile(pth, state);
        const copy = cachedSafetensors(pth);
        assert.equal(copy, join(dir, 'resnet18-f37072fd.safetensors'));
        const written = statSync(copy).mtimeMs;
        const index = indexWeightsFile(copy);
        assert.ok(index !== null, 'the copy is streamable');
        assert.equal(index.size, state.size);
        for (const [key, t] of loadWeightsFile(copy))
            assert.deepEqual(t.data, state.get(key).data, key);
        assert.equal(cachedSafetensors(pth), copy);
        assert.equal(statSync(copy).mtimeMs, written, 'the second call reuses the copy');
        assert.equal(cachedSafetensors(copy), copy, 'a safetensors path is returned as is');
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
//# sourceMappingURL=pretrained.test.js.map