// Number, time and table formatting shared by the text, HTML and SVG reports. Locale-free, so
// reports are byte-for-byte reproducible on any machine.

/** Seconds since the start as m:ss, or h:mm:ss from an hour on. */
export function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** An integer with thousands separators: 29100 → "29,100". */
export function grouped(n: number): string {
  const [int = '0', frac] = String(Math.round(n * 100) / 100).split('.');
  const sign = int.startsWith('-') ? '-' : '';
  const digits = sign ? int.slice(1) : int;
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

/** A number with at most `digits` decimals and no trailing zeros: 2.5, 0.125, 12. */
export function trimmed(n: number, digits = 3): string {
  return String(Number(n.toFixed(digits)));
}

const BINARY = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const;

/** A trace value for people: memory in binary units, everything else as a plain number. */
export function loadText(column: string, value: number | null): string {
  if (value === null) return '—';
  if (column === 'memory') {
    for (const [suffix, size] of BINARY) if (value >= size) return `${trimmed(value / size, 2)}${suffix}`;
  }
  return trimmed(value);
}

export const percent = (ratio: number | null): string => (ratio === null ? '' : `${Math.round(ratio * 100)}%`);

// Width in code points: "→" and "—" count as one column in a terminal.
const width = (s: string): number => Array.from(s).length;

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function table(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, width(cell)); });
  return rows.map((r) => (indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)))).join('  ')).trimEnd());
}
