import { expect } from "vitest";

// A strict reader of the Prometheus text exposition format (version 0.0.4), enough to prove that /metrics parses:
// every sample line is `name{label="value",…} value`, every sample belongs to a family whose TYPE came first, and
// every histogram's buckets are cumulative and end with le="+Inf" equal to its _count.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(v: string): number {
  if (v === "+Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  // Prometheus reads values with Go's ParseFloat, which takes NaN in any case (prom-client writes "Nan").
  if (/^nan$/i.test(v)) return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad sample value ${v}`);
  return Number(v);
}

function parseLabels(text: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    if (!m) throw new Error(`bad labels in: ${line}`);
    if (m[1] in labels) throw new Error(`label ${m[1]} repeated in: ${line}`);
    labels[m[1]] = m[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
  }
  return labels;
}

/** Parses the whole text, failing the test on the first line that does not follow the format. */
export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // other comments are allowed
      expect(m[2], line).toMatch(NAME);
      if (m[1] === "TYPE") {
        expect(TYPES.has(m[3]), line).toBe(true);
        expect(types.has(m[2]), `TYPE of ${m[2]} given twice`).toBe(false);
        types.set(m[2], m[3]);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    let value: number;
    try {
      value = parseValue(m[3]);
    } catch (err) {
      throw new Error(`${(err as Error).message} in: ${line}`);
    }
    const sample = { name: m[1], labels: parseLabels(m[2], line), value };
    const family = types.has(sample.name) ? sample.name : sample.name.replace(/_(bucket|sum|count)$/, "");
    expect(types.has(family), `sample ${sample.name} before the TYPE of its family`).toBe(true);
    samples.push(sample);
  }
  for (const [family, type] of types) if (type === "histogram") checkHistogram(family, samples);
  return { samples, types };
}

function checkHistogram(family: string, samples: Sample[]): void {
  const series = new Map<string, Sample[]>();
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());
  for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
    const k = key(s.labels);
    series.set(k, [...(series.get(k) ?? []), s]);
  }
  for (const [k, buckets] of series) {
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value, `${family} ${k} buckets cumulative`).toBeGreaterThanOrEqual(buckets[i - 1].value);
    const last = buckets[buckets.length - 1];
    expect(last.labels.le, `${family} ends with +Inf`).toBe("+Inf");
    const count = samples.find((s) => s.name === `${family}_count` && key(s.labels) === k);
    expect(count?.value, `${family} ${k} _count`).toBe(last.value);
  }
}

/** The sum of a metric's samples whose labels include `labels`. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text()).samples;
}
