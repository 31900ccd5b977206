/**
 * The WebAssembly engine in headless Chromium against the reference executor in Node: plans of every
 * op kind it runs (1×1, 3×3 and 7×7 convs, strided and padded, with bias, batch norm, residual and
 * ReLU epilogues; 3×3 stride-1 convs at sizes that take the direct kernel and both Winograd tiles;
 * max pool, global average and max pools, linear, the zero-pad shortcut) and a whole ResNet-18 at
 * 64×48, batch 1 and 3, each within 1e-4 relative — on two threads in a cross-origin isolated page
 * and on one thread (the single-threaded build) in a page that is not. Skips where there is no
 * Chromium, with the reason.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { kernelExecutor } from '../src/backends/kernel_executor.js';
import { createJsBackend } from '../src/backends/js/index.js';
import type { PlanResult } from '../src/plan/plan.js';
import { BROWSER_SKIP, launchChromium, runInChromium } from './helpers/browser.js';
import { caseInput, WASM_CASES, type WasmBrowserResult } from './helpers/browser_wasm_plans.js';
import { REPO } from './helpers/cli.js';
import { assertClose } from './helpers/compare.js';

const RTOL = 1e-4;

describe(
  'the wasm executor in Chromium matches the reference, threads on and off',
  { skip: BROWSER_SKIP },
  () => {
    let browser: Browser;
    let expected: PlanResult[][];
    before(async () => {
      browser = await launchChromium();
      const reference = kernelExecutor(createJsBackend());
      expected = [];
      for (const c of WASM_CASES) expected.push(await reference.compile(c.plan()).run(caseInput(c), c.shape));
    });
    after(async () => {
      await browser?.close();
    });

    for (const isolation of [true, false]) {
      const name = isolation ? 'cross-origin isolated: two threads' : 'not isolated: one thread';
      test(name, async (t) => {
        const got = await runInChromium<WasmBrowserResult>(
          browser,
          join(REPO, 'test/helpers/browser_wasm_plans.ts'),
          { isolation, wasm: true },
        );
        assert.equal(got.crossOriginIsolated, isolation);
        assert.equal(got.threads, isolation ? 2 : 1);
        assert.match(got.variant, isolation ? /^(relaxed|simd)-mt$/ : /^(relaxed|simd)-st$/);
        const worst = { rel: 0, name: '' };
        WASM_CASES.forEach((c, i) => {
          assert.equal(got.outputs[i]!.length, expected[i]!.length, c.name);
          expected[i]!.forEach((ref, k) => {
            const out = got.outputs[i]![k]!;
            const what = `${c.name}, output ${k} (${got.variant}, ${got.threads} threads)`;
            assert.deepEqual(out.shape, ref.shape, what);
            const stats = assertClose(out.data, ref.data, RTOL, what);
            if (stats.rel >= worst.rel) Object.assign(worst, { rel: stats.rel, name: c.name });
          });
        });
        t.diagnostic(
          `${got.variant}, ${got.threads} threads: ${WASM_CASES.length} plans; largest relative error ` +
            `${worst.rel.toExponential(2)} (${worst.name})`,
        );
      });
    }
  },
);
