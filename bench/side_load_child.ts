/**
 * bench/side_load.ts's side load: `node side_load_child.js alu|decode DUTY` keeps its thread busy
 * DUTY of the time, with an ALU loop or by decoding and normalizing 224×224 PNGs (the server's
 * `--preset none` work), until its stdin closes; then prints `cpu SECONDS` (its own CPU time).
 */
import { imageTensor } from '../src/tasks/input.js';
import { distinctPngs } from '../test/helpers/serve.js';

const [kind, dutyText] = process.argv.slice(2);
const duty = Number(dutyText);
if ((kind !== 'alu' && kind !== 'decode') || !(duty > 0 && duty < 1)) {
  throw new Error('usage: side_load_child.js alu|decode DUTY (0 < DUTY < 1)');
}
const bodies = distinctPngs(8, 224, 224);
const out = new Float32Array(3 * 224 * 224);
let stop = false;
process.stdin.on('end', () => (stop = true)).resume();

let i = 0;
let sink = 0;
const work = (): void => {
  if (kind === 'decode') imageTensor({ bytes: bodies[i++ % bodies.length], name: 'side.png' }, 'none', out);
  else for (let k = 0; k < 50_000; k++) sink += Math.sqrt(k + sink);
};
process.stdout.write('running\n');
const cpu0 = process.cpuUsage();
// Works while its busy time is below DUTY of the time so far, else sleeps 2 ms: the same share of
// time for both kinds, whatever one work item takes (a decode ~2 ms, an ALU item ~0.1 ms).
const start = performance.now();
let busy = 0;
while (!stop) {
  if (busy < duty * (performance.now() - start)) {
    const t0 = performance.now();
    work();
    busy += performance.now() - t0;
  } else {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`cpu ${(cpu.user + cpu.system) / 1e6} ${sink > 0 ? '' : '-'}\n`);
