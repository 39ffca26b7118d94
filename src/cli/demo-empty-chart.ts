// The chart `kscale demo` writes when it is interrupted before its first sample (while the control
// plane starts, or in the first sync period). An interrupted demo always leaves its chart (issue 13):
// with nothing to plot, the chart is a frame that says so and when the run ended, rather than no
// file (which reads as a crash) or an empty plot (which reads as a workload that never scaled).
import { writeFile } from 'node:fs/promises';
import { escapeXml } from '../sim/chart-svg.ts';
import type { CommandIO } from './io.ts';

/** Why there is nothing to plot, and after how long, e.g. "interrupted after 12 s". */
export function emptyNote(interrupted: boolean, elapsedSeconds: number): string {
  return `${interrupted ? 'interrupted' : 'no sample could be read'} after ${String(Math.max(0, Math.round(elapsedSeconds)))} s`;
}

/** A well-formed SVG of the size of the demo's usual chart: the title, and "no samples yet: <why>" in the frame. */
export function emptyDemoChart(title: string, why: string): string {
  const note = `no samples yet: ${why}`;
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="960" height="560" viewBox="0 0 960 560" role="img" aria-labelledby="ks-title">',
    `<title id="ks-title">${escapeXml(title)}</title>`,
    `<desc>${escapeXml(`kscale demo ended before its first sample, so there is nothing to plot (${note}).`)}</desc>`,
    '<rect x="0" y="0" width="960" height="560" fill="#fff"/>',
    `<text x="70" y="28" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="16" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
    '<rect x="70" y="60" width="860" height="440" fill="none" stroke="#999"/>',
    `<text class="ks-empty" x="500" y="285" text-anchor="middle" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="18" fill="#555">${escapeXml(note)}</text>`,
    '</svg>',
  ].join('\n') + '\n';
}

/**
 * Writes the empty chart to `out` and says so in one line. Returns the exit code: 130 when a signal
 * ended the demo (as for any interrupted command: nothing was measured), else 1 (no sample could be read).
 */
export async function writeEmptyDemoChart(out: string, title: string, startedMs: number, interrupted: boolean, io: CommandIO): Promise<number> {
  const why = emptyNote(interrupted, (Date.now() - startedMs) / 1000);
  await writeFile(out, emptyDemoChart(title, why));
  io.err(`kscale demo: ${why}, before the first sample: wrote an empty chart to ${out}\n`);
  return interrupted ? 130 : 1;
}
