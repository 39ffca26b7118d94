// Kubernetes label selectors, as k8s.io/apimachinery v0.36.3 (the release of kscale's Kubernetes
// v1.36.3 control plane) parses, validates, matches and prints them. Error texts are Go's word for
// word: the HPA copies them into events and conditions ("couldn't convert selector into a
// corresponding internal selector object: <err>").
//
// Known differences from Go:
// * Go sorts requirements by key with sort.Sort, which is not stable past 12 requirements; we sort
//   stably, so only the toString() order of requirements sharing a key could differ, and only then.
// * Go iterates matchLabels in random order, so with several invalid keys it reports a random one;
//   we report the first in sorted order.
// * Strings are handled as UTF-16 rather than UTF-8 bytes; that only matters for non-ASCII input,
//   which validation rejects anyway (quoting follows Go's %q, lengths count UTF-8 bytes).

export interface LabelSelectorRequirement { key: string; operator: string; values?: string[] }
export interface LabelSelector { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] }

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export interface Selector {
  matches(labels: Record<string, string> | undefined): boolean;
  toString(): string;
  /** Go Selector.Empty(): true when the selector does not restrict anything. */
  readonly empty: boolean;
  /**
   * One label every match must have with exactly this value (an `=`, `==` or single-value `in`
   * requirement, as Go's RequiresExactMatch), to look candidates up in an index; undefined if none.
   */
  exactMatch?(): { key: string; value: string } | undefined;
}

/** selection.Operator values. */
type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

interface Requirement { key: string; operator: Operator; values: string[] }

// ---- Go formatting helpers -------------------------------------------------------------------

/** Go string ordering (sort.Strings): by UTF-8 bytes, i.e. by code point, not by UTF-16 unit. */
function compareGo(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length;) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

const sortGo = (values: readonly string[]): string[] => [...values].sort(compareGo);

/** Go len(): UTF-8 bytes. */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;
/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const isPrint = (ch: string): boolean => ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);

/** Go's %q (strconv.Quote). A lone surrogate stands for the U+FFFD Go would hold instead. */
function goQuote(s: string): string {
  const short: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (isSurrogate(cp)) out += '\ufffd';
    else if (isPrint(ch)) out += ch;
    else if (short[ch] !== undefined) out += short[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

/** encoding/json's string encoding, HTML-safe as json.Marshal does it. */
function goJsonString(s: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (short[ch] !== undefined) out += short[ch];
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) out += `\\u${hex(cp, 4)}`;
    else if (isSurrogate(cp)) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/** json.Marshal of a []string; a nil slice is null. */
const goJsonStrings = (values: readonly string[] | null): string =>
  values === null ? 'null' : `[${values.map(goJsonString).join(',')}]`;

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(1n << 63n) && n < 1n << 63n ? n : undefined;
}

// ---- Validation (apimachinery api/validate/content and util/validation/field) ----------------

function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  // Go appends "', " after each example and " or " between them, hence the double space.
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${re}')`;
}
const maxLenError = (n: number): string => `must be no more than ${n} bytes`;
const EMPTY_ERROR = 'must be non-empty';

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** content.IsLabelKey: an optional DNS-subdomain prefix and "/", then a name of at most 63 bytes. */
function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  if (parts.length > 2) {
    return [`a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const name = parts.length === 2 ? parts[1] ?? '' : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errs.push(`prefix part ${EMPTY_ERROR}`);
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  }
  if (name === '') errs.push(`name part ${EMPTY_ERROR}`);
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** field.Invalid(path, value, detail).Error(). */
function invalid(path: string, value: string | readonly string[] | null, detail: string): string {
  const shown = typeof value === 'string' ? goQuote(value) : goJsonStrings(value);
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

/** field.ErrorList.ToAggregate().Error(): duplicates dropped; several messages become "[a, b]". */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] ?? '' : `[${unique.join(', ')}]`;
}

/** A label-key check as the parser makes it, with Go's nil field path. */
function checkKey(key: string, path: string): void {
  const errs = labelKeyErrors(key);
  if (errs.length > 0) throw new SelectorError(invalid(path, key, errs.join('; ')));
}

/**
 * labels.NewRequirement. `values` is null for a nil Go slice (an absent or empty matchExpressions
 * values list), which only shows in the error text.
 */
function newRequirement(key: string, operator: Operator, values: string[] | null): Requirement {
  const vals = values ?? [];
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0) errs.push(invalid('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in': case 'notin':
      if (vals.length === 0) errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (vals.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (vals.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (vals.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length > 0) throw new SelectorError(aggregate(errs));
  return { key, operator, values: vals };
}

// ---- Selectors ----------------------------------------------------------------------------------

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key] ?? '';
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(value);
    case 'notin': case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Requirement.String(): "k=v", "k!=v", "k in (a,b)", "k notin (a)", "k", "!k", "k>1", "k<2". */
function requirementString(r: Requirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  // Several values print sorted without disturbing the requirement's own order.
  const values = r.values.length === 1 ? r.values[0] ?? '' : sortGo(r.values).join(',');
  switch (r.operator) {
    case 'in': return `${r.key} in (${values})`;
    case 'notin': return `${r.key} notin (${values})`;
    case 'gt': return `${r.key}>${values}`;
    case 'lt': return `${r.key}<${values}`;
    default: return `${r.key}${r.operator}${values}`;
  }
}

/** labels.internalSelector: the AND of requirements kept sorted by key. */
class RequirementsSelector implements Selector {
  readonly #requirements: readonly Requirement[];
  constructor(requirements: readonly Requirement[]) {
    // Stable sort by key (Go's sort.Sort is insertion sort, hence stable, up to 12 elements).
    this.#requirements = [...requirements].sort((a, b) => compareGo(a.key, b.key));
  }
  get empty(): boolean { return this.#requirements.length === 0; }
  matches(labels: Record<string, string> | undefined): boolean {
    const set = labels ?? {};
    return this.#requirements.every((r) => requirementMatches(r, set));
  }
  toString(): string { return this.#requirements.map(requirementString).join(','); }
  exactMatch(): { key: string; value: string } | undefined {
    const r = this.#requirements.find((x) => (x.operator === '=' || x.operator === '==' || x.operator === 'in') && x.values.length === 1);
    return r ? { key: r.key, value: r.values[0] ?? '' } : undefined;
  }
}

/** labels.Nothing(): matches no labels, yet is not "empty" and prints as "". */
const NOTHING: Selector = Object.freeze({ matches: () => false, toString: () => '', empty: false });

// ---- The selector-string parser (labels.Parse) -------------------------------------------------

type Token = 'eos' | 'id' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | 'in' | 'notin';
interface Item { token: Token; literal: string }

const KEYWORDS = new Map<string, Token>([
  [')', ')'], [',', ','], ['!', '!'], ['==', '=='], ['=', '='], ['>', '>'], ['in', 'in'], ['<', '<'], ['!=', '!='], ['notin', 'notin'], ['(', '('],
]);
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

/** Go's lexer. Like Go, a NUL character reads as end of input. */
function lex(input: string): Item[] {
  const NUL = '\0';
  let pos = 0;
  const read = (): string => (pos < input.length ? input.charAt(pos++) : NUL);
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === NUL) { items.push({ token: 'eos', literal: '' }); return items; }
    if (isSpecial(ch)) {
      // Longest run of special characters that still spells an operator: "!=" beats "!".
      let buffer = ch;
      let best = KEYWORDS.get(ch) ?? 'eos';
      let literal = ch;
      for (;;) {
        const next = read();
        if (next === NUL) break;
        if (!isSpecial(next)) { pos--; break; }
        buffer += next;
        const token = KEYWORDS.get(buffer);
        if (token) { best = token; literal = buffer; } else { pos--; break; }
      }
      items.push({ token: best, literal });
    } else {
      let buffer = ch;
      for (;;) {
        const next = read();
        if (next === NUL) break;
        if (isSpecial(next) || isWhitespace(next)) { pos--; break; }
        buffer += next;
      }
      items.push({ token: KEYWORDS.get(buffer) ?? 'id', literal: buffer });
    }
  }
}

/** Go's recursive-descent parser over the scanned tokens. */
class Parser {
  readonly #items: Item[];
  #position = 0;
  constructor(input: string) { this.#items = lex(input); }

  /** In the Values context the keywords "in" and "notin" are plain identifiers. */
  #item(consume: boolean, values: boolean): Item {
    const item = this.#items[Math.min(this.#position, this.#items.length - 1)] ?? { token: 'eos', literal: '' };
    if (consume) this.#position++;
    return values && (item.token === 'in' || item.token === 'notin') ? { token: 'id', literal: item.literal } : item;
  }
  #lookahead(): Item { return this.#item(false, true); }
  #consume(values = true): Item { return this.#item(true, values); }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { token, literal } = this.#lookahead();
      if (token === 'eos') return requirements;
      if (token !== 'id' && token !== '!') throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      try {
        requirements.push(this.#requirement());
      } catch (e) {
        if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.#consume();
      if (after.token === 'eos') return requirements;
      if (after.token !== ',') throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
      const next = this.#lookahead();
      if (next.token !== 'id' && next.token !== '!') throw new SelectorError(`found '${next.literal}', expected: identifier after ','`);
    }
  }

  #requirement(): Requirement {
    let item = this.#consume();
    const negated = item.token === '!';
    if (negated) item = this.#consume();
    if (item.token !== 'id') throw new SelectorError(`found '${item.literal}', expected: identifier`);
    const key = item.literal;
    checkKey(key, '<nil>');
    const next = this.#lookahead().token;
    if (negated) return newRequirement(key, '!', []);
    if (next === 'eos' || next === ',') return newRequirement(key, 'exists', []);
    const op = this.#consume(false);
    const operators: Partial<Record<Token, Operator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const operator = operators[op.token];
    if (!operator) throw new SelectorError(`found '${op.literal}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === 'in' || operator === 'notin' ? this.#setValues() : this.#exactValue();
    // A Go sets.String hands values back sorted and without duplicates.
    return newRequirement(key, operator, sortGo([...new Set(values)]));
  }

  /** "(a,b,c)"; empty entries are the value "". */
  #setValues(): string[] {
    const open = this.#consume();
    if (open.token !== '(') throw new SelectorError(`found '${open.literal}' expected: '('`);
    const first = this.#lookahead();
    if (first.token === ')') { this.#consume(); return ['']; }
    if (first.token !== 'id' && first.token !== ',') throw new SelectorError(`found '${first.literal}', expected: ',', ')' or identifier`);
    const values: string[] = [];
    for (;;) {
      const item = this.#consume();
      if (item.token === 'id') {
        values.push(item.literal);
        const next = this.#lookahead();
        if (next.token === ')') break;
        if (next.token !== ',') throw new SelectorError(`found '${next.literal}', expected: ',' or ')'`);
      } else if (item.token === ',') {
        if (values.length === 0) values.push(''); // "(,"
        const next = this.#lookahead().token;
        if (next === ')') { values.push(''); break; } // ",)"
        if (next === ',') { this.#consume(); values.push(''); } // ",,"
      } else {
        throw new SelectorError(`found '${item.literal}', expected: ',', or identifier`);
      }
    }
    // Go reports the token that followed "(" here, not the one it found.
    if (this.#consume().token !== ')') throw new SelectorError(`found '${first.literal}', expected: ')'`);
    return values;
  }

  /** The single value after =, ==, !=, > or <; nothing before "," or the end is the value "". */
  #exactValue(): string[] {
    const next = this.#lookahead().token;
    if (next === 'eos' || next === ',') return [''];
    const item = this.#consume();
    if (item.token !== 'id') throw new SelectorError(`found '${item.literal}', expected: identifier`);
    return [item.literal];
  }
}

/**
 * Go labels.Parse: "a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j,k>1,l<2". The empty string selects
 * everything. Errors carry Go's exact message.
 */
export function parseSelector(text: string): Selector {
  return new RequirementsSelector(new Parser(text).parse());
}

const LABEL_SELECTOR_OPERATORS: Readonly<Record<string, Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** Go metav1.LabelSelectorAsSelector: nil selects nothing, {} selects everything. */
export function selectorFromLabelSelector(s: LabelSelector | undefined | null): Selector {
  if (s === undefined || s === null) return NOTHING;
  const matchLabels = s.matchLabels ?? {};
  const expressions = s.matchExpressions ?? [];
  const keys = sortGo(Object.keys(matchLabels));
  if (keys.length + expressions.length === 0) return new RequirementsSelector([]);
  const requirements = keys.map((k) => newRequirement(k, '=', [matchLabels[k] ?? '']));
  for (const e of expressions) {
    const operator = Object.hasOwn(LABEL_SELECTOR_OPERATORS, e.operator) ? LABEL_SELECTOR_OPERATORS[e.operator] : undefined;
    if (!operator) throw new SelectorError(`${goQuote(e.operator)} is not a valid label selector operator`);
    // append([]string(nil), values...) is nil when there are no values.
    const values = e.values ?? [];
    requirements.push(newRequirement(e.key, operator, values.length === 0 ? null : [...values]));
  }
  return new RequirementsSelector(requirements);
}

/** LabelSelectorAsSelector(s).String(): the labelSelector= query of the external metrics API. */
export function labelSelectorToString(s: LabelSelector | undefined | null): string {
  return selectorFromLabelSelector(s).toString();
}

/**
 * A metric's identity as people read it: the name, and its selector in braces when it has one,
 * e.g. queue_messages_ready{queue=orders}. (Upstream prints Go's &LabelSelector{...} dump.)
 */
export function metricIdentity(name: string, s: LabelSelector | undefined | null): string {
  return s === undefined || s === null ? name : `${name}{${labelSelectorToString(s)}}`;
}

/** Go fmt "%+v" of a *metav1.LabelSelector (its generated String()), as in HPA metric names. */
export function goFormatLabelSelector(s: LabelSelector | undefined | null): string {
  if (s === undefined || s === null) return 'nil';
  const matchLabels = s.matchLabels ?? {};
  const labels = sortGo(Object.keys(matchLabels)).map((k) => `${k}: ${matchLabels[k] ?? ''},`).join('');
  const expressions = (s.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`;
}
