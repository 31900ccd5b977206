/** The WebAssembly backend wired for Node: its executor and kernels on nodeWasmPlatform, and whether it can run. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../backend.js';
import { createWasmExecutor } from './executor.js';
import { createWasmBackend } from './kernels.js';
import { nodeWasmPlatform } from './platform_node.js';
import { wasmFile } from './platform.js';
import { WebAssemblyApi } from './wasm_api.js';

export const nodeWasmExecutor = createWasmExecutor(nodeWasmPlatform);

export const createNodeWasmBackend = (): Backend => createWasmBackend(nodeWasmPlatform);

let status: { available: boolean; reason?: string } | undefined;

/** Whether the WebAssembly backend can run here: not disabled, its builds present, SIMD128 in this Node. */
export function wasmStatus(): { available: boolean; reason?: string } {
  if (status === undefined) {
    const file = fileURLToPath(new URL(`../../../../wasm/build/${wasmFile('simd-mt')}`, import.meta.url));
    if (process.env.RESNET50_DISABLE_WASM === '1')
      status = { available: false, reason: 'disabled by RESNET50_DISABLE_WASM=1' };
    else if (!existsSync(file)) status = { available: false, reason: `${file} is missing` };
    else if (!WebAssemblyApi.validate(nodeWasmPlatform.wasmBytesSync('simd-mt'))) {
      status = { available: false, reason: 'this Node has no WebAssembly SIMD' };
    } else status = { available: true };
  }
  return status;
}
