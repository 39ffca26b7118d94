// Kubernetes label selectors in their string form (`app=web,tier in (a,b),!canary`), for the fake
// metrics server: it filters external-metric series by their labels the way an adapter would.

export type Requirement =
  | { key: string; op: 'eq' | 'ne' | 'gt' | 'lt'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

const KEY = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const VALUE = String.raw`[-A-Za-z0-9_.]*`;
const RE_NOT_EXISTS = new RegExp(String.raw`^!\s*(${KEY})$`);
const RE_SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^)]*)\)$`);
const RE_CMP = new RegExp(String.raw`^(${KEY})\s*(==|=|!=|>|<)\s*(${VALUE})$`);
const RE_EXISTS = new RegExp(String.raw`^(${KEY})$`);

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** Parses a selector string; '' selects everything. Throws on syntax errors. */
export function parseSelector(selector: string): Requirement[] {
  if (selector.trim() === '') return [];
  return splitTop(selector).map((raw) => {
    const part = raw.trim();
    let m = RE_NOT_EXISTS.exec(part);
    if (m?.[1]) return { key: m[1], op: 'notexists' };
    m = RE_SET.exec(part);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { key: m[1], op: m[2] === 'in' ? 'in' : 'notin', values };
    }
    m = RE_CMP.exec(part);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      const op = m[2] === '!=' ? 'ne' : m[2] === '>' ? 'gt' : m[2] === '<' ? 'lt' : 'eq';
      return { key: m[1], op, value: m[3] };
    }
    m = RE_EXISTS.exec(part);
    if (m?.[1]) return { key: m[1], op: 'exists' };
    throw new Error(`invalid label selector requirement "${part}"`);
  });
}

export function matches(reqs: Requirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'exists': return has;
      case 'notexists': return !has;
      case 'eq': return v === r.value;
      case 'ne': return v !== r.value;
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
      case 'gt': return v !== undefined && Number(v) > Number(r.value);
      case 'lt': return v !== undefined && Number(v) < Number(r.value);
    }
  });
}

/** The metav1.LabelSelector form (as adapters echo it in MetricIdentifier.selector). gt/lt have none. */
export function toMetaSelector(reqs: Requirement[]): MetaLabelSelector {
  const out: MetaLabelSelector = {};
  for (const r of reqs) {
    if (r.op === 'eq') (out.matchLabels ??= {})[r.key] = r.value;
    else if (r.op === 'ne') (out.matchExpressions ??= []).push({ key: r.key, operator: 'NotIn', values: [r.value] });
    else if (r.op === 'in' || r.op === 'notin') {
      (out.matchExpressions ??= []).push({ key: r.key, operator: r.op === 'in' ? 'In' : 'NotIn', values: r.values });
    } else if (r.op === 'exists' || r.op === 'notexists') {
      (out.matchExpressions ??= []).push({ key: r.key, operator: r.op === 'exists' ? 'Exists' : 'DoesNotExist' });
    }
  }
  return out;
}
