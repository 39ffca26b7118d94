// A small XML well-formedness parser, enough to prove the hand-written SVG is valid XML and to look
// inside it (tests read the series back out). Throws XmlError with line and column on the first
// problem: unbalanced or crossed tags, unquoted or duplicate attributes, bare "<" or "&", two roots.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside the element, entities decoded. */
  text: string;
}

export class XmlError extends Error {}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(xml: string): XmlElement {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    const before = xml.slice(0, at).split('\n');
    throw new XmlError(`line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}: ${message}`);
  };
  const decode = (s: string): string => s.replace(/&([^;&<]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) fail(`"&" must start an entity such as &amp; (got ${JSON.stringify(m.slice(0, 12))})`);
    if (/^#\d+$/.test(ref)) return String.fromCodePoint(Number(ref.slice(1)));
    if (/^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    const v = ENTITIES[ref];
    return v ?? fail(`unknown entity &${ref};`);
  });
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(xml);
    if (!m) return fail('expected a name');
    pos = NAME.lastIndex;
    return m[0];
  };
  const skipSpace = (): void => { while (/\s/.test(xml.charAt(pos))) pos++; };
  const skipTo = (end: string, what: string): void => {
    const i = xml.indexOf(end, pos);
    if (i < 0) fail(`unterminated ${what}`);
    pos = i + end.length;
  };

  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const text = xml.slice(pos, lt < 0 ? xml.length : lt);
    const top = stack.at(-1);
    if (text.trim() !== '') {
      if (!top) fail('text outside the root element');
      else top.text += decode(text);
    }
    if (lt < 0) break;
    pos = lt;
    if (xml.startsWith('<?', pos)) { skipTo('?>', 'processing instruction'); continue; }
    if (xml.startsWith('<!--', pos)) { skipTo('-->', 'comment'); continue; }
    if (xml.startsWith('<![CDATA[', pos)) {
      const start = pos + 9;
      skipTo(']]>', 'CDATA section');
      if (top) top.text += xml.slice(start, pos - 3); else fail('CDATA outside the root element');
      continue;
    }
    if (xml.startsWith('<!DOCTYPE', pos)) { if (root || stack.length > 0) fail('DOCTYPE after the root'); skipTo('>', 'DOCTYPE'); continue; }
    if (xml.startsWith('</', pos)) {
      const start = pos;
      pos += 2;
      const n = name();
      skipSpace();
      if (xml.charAt(pos) !== '>') fail(`expected ">" to close </${n}`);
      pos++;
      const open = stack.pop();
      if (!open) fail(`</${n}> closes nothing`, start);
      else if (open.name !== n) fail(`</${n}> closes <${open.name}>`, start);
      continue;
    }
    pos++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = /\s/.test(xml.charAt(pos));
      skipSpace();
      const c = xml.charAt(pos);
      if (c === '>' || xml.startsWith('/>', pos)) break;
      if (pos >= xml.length) fail(`unterminated <${el.name}>`);
      if (!hadSpace) fail(`expected a space before an attribute of <${el.name}>`);
      const attr = name();
      skipSpace();
      if (xml.charAt(pos) !== '=') fail(`attribute ${attr} of <${el.name}> has no value`);
      pos++;
      skipSpace();
      const quote = xml.charAt(pos);
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr} of <${el.name}> must be quoted`);
      const close = xml.indexOf(quote, pos + 1);
      if (close < 0) fail(`unterminated value of attribute ${attr}`);
      const raw = xml.slice(pos + 1, close);
      if (raw.includes('<')) fail(`"<" in the value of attribute ${attr}`);
      if (attr in el.attributes) fail(`duplicate attribute ${attr} on <${el.name}>`);
      el.attributes[attr] = decode(raw);
      pos = close + 1;
    }
    const selfClosing = xml.startsWith('/>', pos);
    pos += selfClosing ? 2 : 1;
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else if (root) fail(`a second root element <${el.name}>`);
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  const open = stack.at(-1);
  if (open) fail(`<${open.name}> is never closed`);
  if (!root) return fail('no root element');
  return root;
}

/** Every element below (and including) `el` that satisfies `test`, in document order. */
export function findAll(el: XmlElement, test: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = test(el) ? [el] : [];
  for (const c of el.children) out.push(...findAll(c, test));
  return out;
}
