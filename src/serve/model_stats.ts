/**
 * The statistics extension of the Open Inference Protocol as Triton gives it
 * (`GET /v2/models/resnet50/stats`): inferences and executions of the model, cumulative
 * nanoseconds of success, failure, queueing and model execution, and execution time by batch size.
 * Every image that goes through a pass counts (v1 and v2 requests alike); each image of a batch is
 * charged the whole pass's time, as Triton does.
 */
import { MODEL_NAME, MODEL_VERSION } from './kserve.js';

interface Duration {
  count: number;
  ns: number;
}

const zero = (): Duration => ({ count: 0, ns: 0 });
const add = (d: Duration, count: number, ns: number): void => {
  d.count += count;
  d.ns += Math.round(ns);
};

export class ModelStats {
  private inferences = 0;
  private executions = 0;
  private lastInference = 0;
  private readonly success = zero();
  private readonly fail = zero();
  private readonly queue = zero();
  private readonly computeInfer = zero();
  private readonly byBatch = new Map<number, Duration>();

  /**
   * One pass over `size` images that waited `queuedMs` in all (summed over the images) and ran for
   * `passMs`; `ok` false when it failed.
   */
  pass(size: number, queuedMs: number, passMs: number, ok: boolean): void {
    const ms = 1e6;
    add(this.queue, size, queuedMs * ms);
    if (!ok) {
      add(this.fail, size, (queuedMs + size * passMs) * ms);
      return;
    }
    this.inferences += size;
    this.executions++;
    this.lastInference = Date.now();
    add(this.success, size, (queuedMs + size * passMs) * ms);
    add(this.computeInfer, size, size * passMs * ms);
    let b = this.byBatch.get(size);
    if (b === undefined) this.byBatch.set(size, (b = zero()));
    add(b, 1, passMs * ms);
  }

  /** The body of GET /v2/models/resnet50/stats. */
  json(): object {
    return {
      model_stats: [
        {
          name: MODEL_NAME,
          version: MODEL_VERSION,
          last_inference: this.lastInference,
          inference_count: this.inferences,
          execution_count: this.executions,
          inference_stats: {
            success: { ...this.success },
            fail: { ...this.fail },
            queue: { ...this.queue },
            // Inputs are read where they are and outputs split on the event loop: no separate
            // input or output copy inside the model's time to report.
            compute_input: zero(),
            compute_infer: { ...this.computeInfer },
            compute_output: zero(),
          },
          batch_stats: [...this.byBatch.entries()]
            .sort(([a], [b]) => a - b)
            .map(([batchSize, d]) => ({
              batch_size: batchSize,
              compute_input: zero(),
              compute_infer: { ...d },
              compute_output: zero(),
            })),
        },
      ],
    };
  }
}
