// Parses a snapshot file's YAML (a superset of JSON) safely: syntax errors with line and column,
// and limits on aliases so that a small file cannot make parsing slow or huge.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { SnapshotError } from './snapshot-error.ts';

// Limits on YAML aliases, so that a small file cannot make parsing slow or huge: a "billion laughs"
// alias bomb, merge keys (<<) copying a big mapping many times, or many aliases (the yaml package
// resolves each alias by a scan of the anchors and aliases before it).
/** Expanding aliases and merge keys may add at most this many nodes to the document. */
export const MAX_ALIAS_EXPANSION = 200_000;
/** At most this many anchors and aliases together. */
export const MAX_ANCHORS_AND_ALIASES = 5_000;
/** The yaml package's own guard: references to one anchor, weighted by the aliases inside it. */
export const MAX_ALIAS_COUNT = 10_000;

const tooMany = (source: string, detail: string): SnapshotError =>
  new SnapshotError([`${source}: too many YAML alias expansions: ${detail} (an alias bomb such as "billion laughs"?)`]);

/**
 * Checks the document's aliases in one pass over its syntax tree, expanding nothing: counts anchors
 * and aliases, and adds up the size of the document with every alias (and merge key) expanded. An
 * alias refers to the last node with its anchor before it in document order: a node already walked,
 * or one of its own ancestors (a cycle, refused).
 */
function checkAliases(doc: Document.Parsed, text: string, source: string, lines: LineCounter): void {
  const anchors = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  const cap = MAX_ALIAS_EXPANSION + text.length;
  let written = 0;
  let references = 0;
  const at = (node: { range?: readonly number[] | null }): string => {
    const pos = node.range ? lines.linePos(node.range[0] ?? 0) : undefined;
    return pos && pos.line > 0 ? `${source}:${pos.line}:${pos.col}` : source;
  };
  const expansion = (): SnapshotError => tooMany(source, `aliases expand the document by more than ${MAX_ALIAS_EXPANSION} nodes`);
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    written++;
    let total = 1;
    if (isAlias(node)) {
      if (++references > MAX_ANCHORS_AND_ALIASES) throw tooMany(source, `more than ${MAX_ANCHORS_AND_ALIASES} anchors and aliases`);
      const target = anchors.get(node.source);
      if (target === undefined) return 1; // unresolved: reported when converting
      const s = sizes.get(target);
      if (s === undefined) throw new SnapshotError([`${at(node)}: the YAML alias *${node.source} refers to a node that contains it (a cycle)`]);
      total = s;
    } else {
      if ((isScalar(node) || isCollection(node)) && node.anchor) {
        if (++references > MAX_ANCHORS_AND_ALIASES) throw tooMany(source, `more than ${MAX_ANCHORS_AND_ALIASES} anchors and aliases`);
        anchors.set(node.anchor, node);
      }
      if (isMap(node)) for (const pair of node.items) total += size(pair.key) + size(pair.value);
      else if (isSeq(node)) for (const item of node.items) total += size(item);
      else if (isPair(node)) total += size(node.key) + size(node.value);
      sizes.set(node, total);
    }
    if (total > cap) throw expansion();
    return total;
  };
  let expanded: number;
  try {
    expanded = size(doc.contents);
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError([`${source}: cannot read the YAML document: ${(e as Error).message}`]);
  }
  if (expanded - written > MAX_ALIAS_EXPANSION) throw expansion();
}

/** Parses YAML (a superset of JSON), reporting syntax errors with line and column. */
export function parseSnapshotText(text: string, source = 'snapshot'): unknown {
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true, lineCounter: lines });
  } catch (e) {
    throw new SnapshotError([`${source}: cannot parse: ${(e as Error).message.split('\n')[0] ?? ''}`]);
  }
  if (doc.errors.length > 0) {
    throw new SnapshotError(doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0] ?? e.message}`;
    }));
  }
  checkAliases(doc, text, source, lines);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (e) {
    const message = (e as Error).message;
    if (/excessive alias count/i.test(message)) throw tooMany(source, `more than ${MAX_ALIAS_COUNT} references to one anchor`);
    // e.g. an alias before its anchor, a merge key (<<) on something other than a mapping.
    throw new SnapshotError([`${source}: ${message.split('\n')[0] ?? message}`]);
  }
}
