// The chart is well-formed XML with one replicas series per configuration and one load series per
// metric and configuration; the HTML report embeds it with the summary.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoscaler, cpuUtilization } from '../../test/support/builders.ts';
import type { MetricSpec } from '../api/types.ts';
import { loadAxisMax, renderSvg } from './chart-svg.ts';
import { renderHtml } from './report-html.ts';
import { simulate } from './simulate.ts';
import { parseCsvTrace } from './trace-csv.ts';
import { findAll, parseXml, XmlError, type XmlElement } from './xml-check.ts';

const queue: MetricSpec = { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '10' } } };
const trace = parseCsvTrace('time,cpu,queue\n0,1,20\n60,4,80\n300,1,\n420,1,20\n600,1,20\n', 'load & <more>.csv');
const a = autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50), queue] });
const b = autoscaler({ minReplicas: 1, maxReplicas: 12, metrics: [cpuUtilization(50), queue], behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
const sim = simulate([{ name: 'slow & steady', file: 'a.yaml', autoscaler: a }, { name: 'quick', file: 'b.yaml', autoscaler: b }], trace, { initialReplicas: 2 });

const byClass = (root: XmlElement, cls: string): XmlElement[] => findAll(root, (e) => (e.attributes.class ?? '').split(' ').includes(cls));

describe('SVG chart', () => {
  const svg = renderSvg(sim);
  const root = parseXml(svg);

  test('is an SVG document with a title naming the trace and both configurations', () => {
    assert.equal(root.name, 'svg');
    assert.equal(root.attributes.xmlns, 'http://www.w3.org/2000/svg');
    const title = findAll(root, (e) => e.name === 'title')[0]?.text;
    assert.equal(title, 'kscale simulate — load & <more>.csv replayed: slow & steady vs quick');
    assert.match(svg, /load &amp; &lt;more&gt;\.csv/, 'names are escaped');
  });

  test('one replicas step line per configuration, in different colours', () => {
    const lines = byClass(root, 'ks-replicas');
    assert.deepEqual(lines.map((l) => l.attributes['data-config']), ['slow & steady', 'quick']);
    assert.notEqual(lines[0]?.attributes.stroke, lines[1]?.attributes.stroke);
    // A step line moves only horizontally and vertically after its start.
    for (const l of lines) assert.match(l.attributes.d ?? '', /^M[\d.]+ [\d.]+([HV][\d.]+)+$/);
  });

  test('one load series per metric and configuration, broken where the metric is missing', () => {
    const load = byClass(root, 'ks-load');
    assert.deepEqual(load.map((l) => `${l.attributes['data-config'] ?? ''}/${l.attributes['data-metric'] ?? ''}`),
      ['slow & steady/cpu', 'slow & steady/queue', 'quick/cpu', 'quick/queue']);
    const queueLine = load[1]?.attributes.d ?? '';
    assert.equal(queueLine.match(/M/g)?.length, 2, 'the gap from 300 s to 420 s splits the queue series');
    assert.equal(load[0]?.attributes.d?.match(/M/g)?.length, 1);
  });

  test('has the target line, axis labels with ticks, a maxReplicas line per distinct max, and a legend', () => {
    assert.equal(byClass(root, 'ks-target').length, 2, 'the target line and its legend swatch');
    const texts = findAll(root, (e) => e.name === 'text').map((e) => e.text);
    for (const want of ['usage / target', 'replicas', 'time since the start of the trace (m:ss)', '0:00', '10:00', '100%', 'max 10', 'max 12', 'cpu utilization / target', 'queue per pod / target']) {
      assert.ok(texts.includes(want), `missing text ${want}`);
    }
    assert.equal(byClass(root, 'ks-limit').length, 2);
    const legend = byClass(root, 'ks-legend')[0];
    assert.deepEqual(legend?.children.filter((e) => e.name === 'text').map((e) => e.text), ['slow & steady', 'quick', 'cpu utilization / target', 'queue per pod / target', 'target']);
  });

  test('the usage axis ends above the highest point, with room for the tolerance band', () => {
    for (const peak of [0, 0.4, 1.4, 1.5, 2, 2.5, 3, 9.5, 11.6, 40]) {
      const { max, step } = loadAxisMax(peak);
      assert.ok(max >= 1.5, `peak ${peak}: max ${max}`);
      assert.ok(max >= peak * 1.05, `peak ${peak}: max ${max} leaves no headroom`);
      assert.ok(max <= Math.max(1.5, peak) * 1.6, `peak ${peak}: max ${max} wastes the panel`);
      assert.ok(Math.abs(max / step - Math.round(max / step)) < 1e-9 && max / step <= 7, `peak ${peak}: step ${step}`);
    }
    // The demo's queue peaks at 250 % of target: the top gridline is above it, not on it.
    assert.equal(loadAxisMax(2.5).max, 3);
  });

  test('legend names metrics readably; a long legend wraps to a second row inside the chart', () => {
    const external: MetricSpec = { type: 'External', external: { metric: { name: 'queue_messages_ready_for_the_orders_service', selector: { matchLabels: { queue: 'orders', region: 'eu-west-1' } } }, target: { type: 'AverageValue', averageValue: '10' } } };
    const long = parseCsvTrace('time,cpu,queue_messages_ready_for_the_orders_service\n0,1,20\n60,1,20\n', 't.csv');
    const c = autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50), external] });
    const chart = parseXml(renderSvg(simulate([{ name: 'a-rather-long-configuration-name', file: 'a.yaml', autoscaler: c }, { name: 'another-long-configuration-name', file: 'b.yaml', autoscaler: c }], long)));
    const texts = byClass(chart, 'ks-legend')[0]?.children.filter((e) => e.name === 'text') ?? [];
    assert.deepEqual(texts.map((t) => t.text), ['a-rather-long-configuration-name', 'another-long-configuration-name', 'cpu utilization / target',
      'queue_messages_ready_for_the_orders_service{queue=orders,region=eu-west-1} per pod / target', 'target']);
    const rows = new Set(texts.map((t) => t.attributes.y));
    assert.equal(rows.size, 2, 'two rows');
    for (const t of texts) assert.ok(Number(t.attributes.x) + (t.text.length * 6.6) <= 960, `${t.text} runs off the edge`);
  });

  test('a caller names what the chart shows: title, description and the time axis\'s origin', () => {
    const chart = parseXml(renderSvg(sim, { title: 'kscale demo — live', description: 'measured live', origin: 'the demo started' }));
    assert.ok(findAll(chart, (e) => e.name === 'text').some((e) => e.text === 'time since the demo started (m:ss)'));
    assert.equal(findAll(chart, (e) => e.name === 'title')[0]?.text, 'kscale demo — live');
    assert.equal(findAll(chart, (e) => e.name === 'desc')[0]?.text, 'measured live');
    assert.ok(!JSON.stringify(chart).includes('kscale simulate'));
  });

  test('is identical for identical input', () => {
    assert.equal(renderSvg(simulate([{ name: 'slow & steady', file: 'a.yaml', autoscaler: a }, { name: 'quick', file: 'b.yaml', autoscaler: b }], trace, { initialReplicas: 2 })), svg);
  });
});

describe('HTML report', () => {
  test('embeds the chart and the summary table, and names both configurations', () => {
    const html = renderHtml(sim);
    assert.match(html, /^<!DOCTYPE html>/);
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6);
    assert.equal(parseXml(svg).name, 'svg');
    assert.match(html, /<h2>Summary<\/h2>\n<table>\n<thead><tr><th><\/th><th>slow &amp; steady<\/th><th>quick<\/th><\/tr><\/thead>/);
    assert.match(html, /<td>replica-seconds<\/td>/);
    assert.match(html, /<h2>Differences<\/h2>/);
    assert.match(html, /<h2>Timeline: quick<\/h2>/);
  });
});

describe('the XML check itself', () => {
  const bad: [string, RegExp][] = [
    ['<svg><g></svg>', /<\/svg> closes <g>/],
    ['<svg><path d="M0 0"></svg>', /closes <path>/],
    ['<svg>', /<svg> is never closed/],
    ['<svg a=1/>', /must be quoted/],
    ['<svg a="1" a="2"/>', /duplicate attribute a/],
    ['<svg>a & b</svg>', /"&" must start an entity/],
    ['<svg>&nbsp;</svg>', /unknown entity &nbsp;/],
    ['<a/><b/>', /a second root element <b>/],
    ['<svg title="a<b"/>', /"<" in the value/],
    ['<svg></svg>\ntext', /text outside the root element/],
  ];
  for (const [xml, want] of bad) {
    test(`rejects ${xml.replace(/\n/g, '\\n')}`, () => {
      assert.throws(() => parseXml(xml), (e: unknown) => e instanceof XmlError && want.test(e.message));
    });
  }
  test('reports line and column', () => {
    assert.throws(() => parseXml('<svg>\n  <g>\n</svg>'), /line 3, column 1: <\/svg> closes <g>/);
  });
  test('accepts declarations, comments, CDATA and entities', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c --><svg x=\'1\'><t>a &amp; b &#x41;<![CDATA[<raw>]]></t><g/></svg>');
    assert.equal(root.children[0]?.text, 'a & b A<raw>');
    assert.equal(root.attributes.x, '1');
  });
});
