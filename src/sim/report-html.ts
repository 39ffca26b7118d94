// `--out report.html`: one self-contained page with the chart (inline SVG), the summary table,
// the differences and each configuration's timeline of notable ticks.
import { renderSvg, escapeXml, simulateTitle } from './chart-svg.ts';
import { clock } from './format.ts';
import { loadCell, notableTicks, reasonCell, replicasCell, summaryRows } from './report-text.ts';
import { usedColumns, type Simulation } from './simulate.ts';

function htmlTable(rows: readonly (readonly string[])[], headerRow = true): string {
  const [head, ...body] = rows;
  const cells = (r: readonly string[], tag: string): string => `<tr>${r.map((c) => `<${tag}>${escapeXml(c)}</${tag}>`).join('')}</tr>`;
  return ['<table>', ...(headerRow && head ? [`<thead>${cells(head, 'th')}</thead>`] : []), '<tbody>',
    ...(headerRow ? body : rows).map((r) => cells(r, 'td')), '</tbody>', '</table>'].join('\n');
}

export function renderHtml(sim: Simulation): string {
  const columns = usedColumns(sim);
  const title = simulateTitle(sim);
  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<style>',
    '  body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em; color: #222; max-width: 1000px; }',
    '  table { border-collapse: collapse; margin: 0.5em 0 1.5em; }',
    '  th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; font-size: 0.9em; }',
    '  th { background: #f3f3f3; }',
    '</style>',
    '</head>',
    '<body>',
    `<h1>${escapeXml(title)}</h1>`,
    renderSvg(sim),
    '<h2>Summary</h2>',
    htmlTable(summaryRows(sim.configurations)),
  ];
  if (sim.differences.length > 0) {
    parts.push('<h2>Differences</h2>', '<ul>', ...sim.differences.map((d) => `<li>${escapeXml(d)}</li>`), '</ul>');
  }
  for (const c of sim.configurations) {
    parts.push(`<h2>Timeline: ${escapeXml(c.name)}</h2>`,
      `<p>${escapeXml(`${c.file}: every ${c.syncPeriodSeconds} s, ${c.minReplicas}–${c.maxReplicas} replicas. The start, scale changes, and holds or metric failures starting or ending.`)}</p>`,
      htmlTable([
        ['time', ...columns, 'replicas', 'limited by', 'reason'],
        ...notableTicks(c.ticks).map((t) => [clock(t.t), ...columns.map((col) => loadCell(t, col)), replicasCell(t), t.limitedBy ?? '', reasonCell(t)]),
      ]));
  }
  parts.push('</body>', '</html>');
  return parts.join('\n') + '\n';
}
