import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "preact/hooks";
import type { Snapshot } from "../../client/progress";

const MAX_POINTS = 1_200;
const SERIES = [
  { label: "Completed", field: "contactsCompleted", stroke: "#067647" },
  { label: "Failed", field: "contactsFailed", stroke: "#b42318" },
  { label: "Skipped", field: "contactsSkipped", stroke: "#667085" },
  { label: "In progress (calls)", field: "contactsInProgress", stroke: "#1d4ed8" },
] as const;

/**
 * The counters over time, from the snapshots this page receives (starting at the execution's first call). Bounded:
 * past MAX_POINTS every other point is dropped, so a long run keeps its shape and the page's memory stays flat.
 */
export class Timeline {
  readonly xs: number[] = [];
  readonly ys: number[][] = SERIES.map(() => []);
  version = 0;

  seed(s: Snapshot): void {
    if (this.xs.length === 0 && s.actualStartAt) this.push(Date.parse(s.actualStartAt) / 1000, SERIES.map(() => 0));
  }

  add(s: Snapshot, atMs: number): void {
    this.seed(s);
    if (!s.actualStartAt) return;
    const t = (s.actualEndAt ? Date.parse(s.actualEndAt) : atMs) / 1000;
    const values = SERIES.map((x) => s[x.field]);
    const last = this.xs.length - 1;
    if (last >= 0 && t <= this.xs[last]) this.ys.forEach((col, i) => (col[last] = values[i]));
    else this.push(t, values);
    this.version++;
  }

  private push(t: number, values: number[]): void {
    this.xs.push(t);
    this.ys.forEach((col, i) => col.push(values[i]));
    if (this.xs.length > MAX_POINTS) {
      const keep = (_: number, i: number, a: number[]) => i % 2 === 0 || i === a.length - 1;
      const xs = this.xs.filter(keep);
      this.xs.splice(0, this.xs.length, ...xs);
      for (const col of this.ys) col.splice(0, col.length, ...col.filter(keep));
    }
  }
}

/** uPlot line chart of a Timeline; redrawn when `version` changes. */
export function CallsChart(props: { timeline: Timeline; version: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      scales: { x: { time: true } },
      axes: [{ stroke: "#344054" }, { stroke: "#344054", size: 60 }],
      legend: { live: true },
      series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
    };
    plot.current = new uPlot(opts, [props.timeline.xs, ...props.timeline.ys], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.timeline]);
  useEffect(() => {
    // uPlot keeps the arrays it is given: pass copies so the Timeline can go on changing its own.
    plot.current?.setData([props.timeline.xs.slice(), ...props.timeline.ys.map((c) => c.slice())]);
  }, [props.version, props.timeline]);
  return (
    <figure class="chart">
      <div ref={box} class="chart-box" />
      <figcaption>Contacts by outcome and calls in progress, as received live by this page since the first call.</figcaption>
    </figure>
  );
}
