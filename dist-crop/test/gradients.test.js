/**
 * `resnet50 gradients` end to end on a tiny run (ResNet-50 at 32×32, batch 2, 2 steps, synthetic
 * data): the four files, 50 CSV rows per network, decodable PNGs, the JSON fields; plus the layer
 * list of the study and flag errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImage } from '../src/io/image.js';
import { resnet } from '../src/model/resnet.js';
import { weightedLayers } from '../src/train/gradient_study.js';
import { runCli } from './helpers/cli.js';
test('both networks have the same 50 weighted layers: conv1, the blocks’ convolutions, fc', () => {
    const residual = weightedLayers(resnet('resnet50', { numClasses: 4, init: 'none' })).map(([n]) => n);
    const plain = weightedLayers(resnet('resnet50', { numClasses: 4, init: 'none', residual: false })).map(([n]) => n);
    assert.equal(residual.length, 50);
    assert.deepEqual(plain, residual);
    assert.deepEqual(residual.slice(0, 4), ['conv1', 'layer1.0.conv1', 'layer1.0.conv2', 'layer1.0.conv3']);
    assert.equal(residual[49], 'fc');
    assert.ok(residual.every((n) => !n.includes('downsample')));
});
test('resnet50 gradients: a tiny synthetic run writes the chart, table, loss chart and summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradients-'));
    try {
        const out = join(dir, 'out');
        const r = runCli([
            'gradients',
            '--data',
            'synthetic',
            '--steps',
            '2',
            '--batch',
            '2',
            '--input-size',
            '32',
            '--out',
            out,
            '--json',
        ]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /resnet50 step 1\/2: loss/);
        assert.match(r.stderr, /plain50 step 2\/2: loss/);
        assert.deepEqual(readdirSync(out).sort(), [
            'gradient_norms.csv',
            'gradient_norms.png',
            'loss.png',
            'summary.json',
        ]);
        const lines = readFileSync(join(out, 'gradient_norms.csv'), 'utf8').trimEnd().split('\n');
        assert.equal(lines[0], 'network,residual,index,layer,grad_norm_init,grad_norm_final');
        const rows = lines.slice(1).map((l) => l.split(','));
        for (const [network, residual] of [
            ['resnet50', 'true'],
            ['plain50', 'false'],
        ]) {
            const mine = rows.filter((row) => row[0] === network);
            assert.equal(mine.length, 50, `${network} rows`);
            assert.ok(mine.every((row) => row[1] === residual));
            assert.deepEqual(mine.map((row) => Number(row[2])), Array.from({ length: 50 }, (_, i) => i + 1));
            assert.equal(mine[0][3], 'conv1');
            assert.equal(mine[49][3], 'fc');
            for (const row of mine) {
                for (const v of [Number(row[4]), Number(row[5])])
                    assert.ok(Number.isFinite(v) && v >= 0, row.join(','));
            }
        }
        const chart = readImage(join(out, 'gradient_norms.png'));
        assert.deepEqual([chart.width, chart.height], [800, 500]);
        const loss = readImage(join(out, 'loss.png'));
        assert.deepEqual([loss.width, loss.height], [800, 500]);
        const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
        assert.deepEqual(JSON.parse(r.stdout), summary);
        assert.equal(summary.arch, 'resnet50');
        assert.equal(summary.steps, 2);
        assert.equal(summary.batch, 2);
        assert.equal(summary.inputSize, 32);
        assert.equal(summary.momentum, 0.9);
        assert.equal(summary.weightedLayers, 50);
        for (const key of ['residual', 'plain']) {
            const net = summary[key];
            for (const field of [
                'firstToLastInit',
                'firstToLastFinal',
                'initialLoss',
                'lastLoss',
                'finalFirstBatchLoss',
                'seconds',
            ]) {
                assert.equal(typeof net[field], 'number', `${key}.${field}`);
            }
            assert.equal(net.losses.length, 2);
            assert.equal(net.layers.length, 50);
        }
        assert.equal(summary.residual.residual, true);
        assert.equal(summary.plain.residual, false);
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
test('resnet50 gradients: flag mistakes are usage errors', () => {
    const noOut = runCli(['gradients', '--steps', '1']);
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /--out/);
    const badData = runCli(['gradients', '--out', '/tmp/x', '--data', 'mnist']);
    assert.equal(badData.status, 2);
    assert.match(badData.stderr, /idx:DIR or synthetic/);
    const badBatch = runCli(['gradients', '--out', '/tmp/x', '--batch', '1']);
    assert.equal(badBatch.status, 2);
    const badLr = runCli(['gradients', '--out', '/tmp/x', '--lr', 'fast']);
    assert.equal(badLr.status, 2);
    assert.match(badLr.stderr, /--lr/);
    const help = runCli(['gradients', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /gradient_norms\.csv/);
    const missing = runCli([
        'gradients',
        '--out',
        join(tmpdir(), 'never-written'),
        '--data',
        'idx:/no/such/dir',
    ]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /\/no\/such\/dir/);
});
//# sourceMappingURL=gradients.test.js.map