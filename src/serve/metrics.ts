/**
 * The service's metrics and their Prometheus text exposition (format 0.0.4): requests by endpoint
 * and status, request latency, batch size and the model's time per pass as histograms, queue depth,
 * images served and images per second over the last 10 s.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds per pass (one model run over a batch): a batch of 8 takes ~0.2 s on two cores. */
const PASS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1, 2.5, 5];
const RATE_WINDOW_MS = 10_000;

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]++;
    });
    this.sum += v;
    this.count++;
  }
}

const labelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (pairs: Readonly<Record<string, string>>): string => {
  const inner = Object.entries(pairs)
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(',');
  return inner === '' ? '' : `{${inner}}`;
};

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  readonly batchSize: Histogram;
  private readonly passTime = new Histogram(PASS_BUCKETS);
  private images = 0;
  private readonly recent: { at: number; n: number }[] = [];

  constructor(
    maxBatch: number,
    /** Inputs waiting for a pass, read at each scrape. */
    private readonly queueDepth: () => number,
    /** Requests being answered, read at each scrape. */
    private readonly inFlight: () => number,
  ) {
    const buckets: number[] = [];
    for (let b = 1; b < maxBatch; b *= 2) buckets.push(b);
    this.batchSize = new Histogram([...buckets, maxBatch]);
  }

  /** One request answered: its endpoint (the route, not the raw path), status and seconds taken. */
  request(endpoint: string, status: number, seconds: number): void {
    const key = JSON.stringify([endpoint, String(status)]);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(endpoint);
    if (h === undefined) this.latency.set(endpoint, (h = new Histogram(LATENCY_BUCKETS)));
    h.observe(seconds);
  }

  /** One pass of `n` images. */
  batch(n: number): void {
    this.batchSize.observe(n);
  }

  /** One batched pass over `n` images, done: the model's time for it (not the queue's), in seconds. */
  passDone(n: number, seconds: number): void {
    this.passTime.observe(seconds);
    this.imagesDone(n);
  }

  /** `n` images whose results were computed. */
  imagesDone(n: number): void {
    this.images += n;
    this.recent.push({ at: performance.now(), n });
    this.prune();
  }

  private prune(): void {
    const cutoff = performance.now() - RATE_WINDOW_MS;
    while (this.recent.length > 0 && this.recent[0].at < cutoff) this.recent.shift();
  }

  /** The exposition, as served at GET /metrics. */
  text(): string {
    this.prune();
    const lines: string[] = [];
    const head = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    const histogram = (name: string, h: Histogram, extra: Readonly<Record<string, string>>): void => {
      h.buckets.forEach((b, i) =>
        lines.push(`${name}_bucket${labels({ ...extra, le: String(b) })} ${h.counts[i]}`),
      );
      lines.push(`${name}_bucket${labels({ ...extra, le: '+Inf' })} ${h.count}`);
      lines.push(`${name}_sum${labels(extra)} ${h.sum}`, `${name}_count${labels(extra)} ${h.count}`);
    };
    head('resnet50_requests_total', 'counter', 'HTTP requests answered, by endpoint and status code.');
    for (const [key, n] of [...this.requests].sort()) {
      const [endpoint, status] = JSON.parse(key) as [string, string];
      lines.push(`resnet50_requests_total${labels({ endpoint, status })} ${n}`);
    }
    head('resnet50_request_duration_seconds', 'histogram', 'Time from request to response, by endpoint.');
    for (const [endpoint, h] of [...this.latency].sort(([a], [b]) => a.localeCompare(b))) {
      histogram('resnet50_request_duration_seconds', h, { endpoint });
    }
    head('resnet50_batch_size', 'histogram', 'Images per forward pass.');
    histogram('resnet50_batch_size', this.batchSize, {});
    head(
      'resnet50_inference_duration_seconds',
      'histogram',
      'Time the model took per batched pass (queue excluded).',
    );
    histogram('resnet50_inference_duration_seconds', this.passTime, {});
    head('resnet50_queue_depth', 'gauge', 'Images waiting for a forward pass.');
    lines.push(`resnet50_queue_depth ${this.queueDepth()}`);
    head('resnet50_requests_in_flight', 'gauge', 'Requests being answered.');
    lines.push(`resnet50_requests_in_flight ${this.inFlight()}`);
    head('resnet50_images_total', 'counter', 'Images run through the model.');
    lines.push(`resnet50_images_total ${this.images}`);
    head(
      'resnet50_images_per_second',
      'gauge',
      'Images run through the model per second, over the last 10 s.',
    );
    const n = this.recent.reduce((s, r) => s + r.n, 0);
    lines.push(`resnet50_images_per_second ${n / (RATE_WINDOW_MS / 1000)}`);
    return `${lines.join('\n')}\n`;
  }
}
