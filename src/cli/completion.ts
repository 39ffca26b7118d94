// `kscale completion bash|zsh|fish`: shell completion generated from the command table and each
// command's help text, the one place a flag is documented, so the three scripts can never drift
// from the commands (nothing here lists a command or a flag by hand).
import { parseArgs } from 'node:util';
import { UsageError, type CommandIO } from './io.ts';

/** What completion needs to know of a command. */
export interface CompletionEntry {
  name: string;
  summary: string;
  /** The command's --help text; its flag lines are where flags are read from. */
  usage?: string;
  /** Fixed words for the command's first positional argument (e.g. shell names). */
  words?: readonly string[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export const completionUsage = `Usage: kscale completion bash|zsh|fish

Prints a shell completion script for kscale's commands and flags.
  bash:  source <(kscale completion bash)            (or save it in /etc/bash_completion.d/kscale)
  zsh:   source <(kscale completion zsh)             (or save it as _kscale in a directory of $fpath)
  fish:  kscale completion fish | source             (or save it in ~/.config/fish/completions/kscale.fish)`;

const FLAG = /(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])/g;

/**
 * The flags a help text documents: those of its "Usage:" lines, and on each line that starts with a
 * flag, those of the flag column (up to the first gap of two spaces, where the description starts).
 */
export function flagsOf(usage: string | undefined): string[] {
  const flags = new Set<string>();
  for (const line of (usage ?? '').split('\n')) {
    if (!/^\s+-|^Usage:/.test(line)) continue;
    const column = line.trim().split(/\s{2,}/)[0] ?? '';
    for (const m of column.matchAll(FLAG)) flags.add(m[1] ?? '');
  }
  flags.add('-h');
  flags.add('--help');
  return [...flags].filter(Boolean);
}

const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`);

function bash(program: string, entries: readonly CompletionEntry[]): string {
  const fn = `_${program.replace(/\W/g, '_')}`;
  const cases = entries.map((e) => {
    const flags = flagsOf(e.usage).join(' ');
    return `    ${shellWord(e.name)}) flags=${shellWord(flags)}; words=${shellWord((e.words ?? []).join(' '))} ;;`;
  });
  return `# ${program} completion for bash. Load it with: source <(${program} completion bash)
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" i flags="" words=""
  # The command is the first word after the program that is not a flag.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  case $cmd in
    "") flags="-h --help --version"; words=${shellWord(entries.map((e) => e.name).join(' '))} ;;
${cases.join('\n')}
  esac
  # Flags when a flag is being typed; otherwise fixed words, else nothing (-o default: file names).
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ -n $words ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=()
  fi
}
complete -o default -F ${fn} ${program}
`;
}

const zshQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

function zsh(program: string, entries: readonly CompletionEntry[]): string {
  const fn = `_${program.replace(/\W/g, '_')}`;
  const described = entries.map((e) => `    ${zshQuote(`${e.name}:${e.summary.replaceAll(':', '\\:')}`)}`);
  const cases = entries.map((e) => `    ${zshQuote(e.name)}) flags=(${flagsOf(e.usage).join(' ')}); choices=(${(e.words ?? []).join(' ')}) ;;`);
  return `#compdef ${program}
# ${program} completion for zsh. Load it with: source <(${program} completion zsh)
# (compinit must have run), or save it as ${fn} in a directory of $fpath.
${fn}() {
  # (words is zsh's own array of the command line: the command's fixed words are "choices")
  local -a commands flags choices
  commands=(
${described.join('\n')}
  )
  if (( CURRENT == 2 )); then
    if [[ \${words[CURRENT]} == -* ]]; then compadd -- -h --help --version; else _describe -t commands '${program} command' commands; fi
    return
  fi
  case \${words[2]} in
${cases.join('\n')}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -a flags
  elif (( \${#choices} > 0 )); then
    compadd -a choices
  else
    _files
  fi
}
if [[ \${funcstack[1]} == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;
}

function fish(program: string, entries: readonly CompletionEntry[]): string {
  const q = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const lines = [
    `# ${program} completion for fish. Load it with: ${program} completion fish | source`,
    `complete -c ${program} -n __fish_use_subcommand -l help -s h -d 'show help'`,
    `complete -c ${program} -n __fish_use_subcommand -l version -d 'print the version'`,
  ];
  for (const e of entries) {
    lines.push(`complete -c ${program} -n __fish_use_subcommand -f -a ${q(e.name)} -d ${q(e.summary)}`);
    const when = q(`__fish_seen_subcommand_from ${e.name}`);
    for (const flag of flagsOf(e.usage)) {
      lines.push(`complete -c ${program} -n ${when} ${flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`}`);
    }
    if (e.words && e.words.length > 0) lines.push(`complete -c ${program} -n ${when} -f -a ${q(e.words.join(' '))}`);
  }
  return lines.join('\n') + '\n';
}

/** cobra's ShellCompDirective values used here (kubectl passes them on to the shell's script). */
export const DIRECTIVE = { default: 0, noFileComp: 4 } as const;

/**
 * Completion of one command line in the protocol of cobra's `__complete` (which kubectl speaks with a
 * plugin's kubectl_complete-<name> executable): `args` are the words after the program, the last
 * being the word under the cursor ("" for a new word). Candidates are "word" or "word<TAB>description";
 * the directive says whether the shell may fall back to file names (default) or not (noFileComp).
 */
export function completeArgs(entries: readonly CompletionEntry[], args: readonly string[]): { candidates: string[]; directive: number } {
  const words = args.slice(0, -1);
  const cur = args.at(-1) ?? '';
  const matching = (list: readonly string[]): string[] => list.filter((w) => w.startsWith(cur));
  const [name, ...rest] = words;
  if (name === undefined) {
    const candidates = cur.startsWith('-') ? matching(['-h', '--help', '--version'])
      : entries.filter((e) => e.name.startsWith(cur)).map((e) => `${e.name}\t${e.summary}`);
    return { candidates, directive: DIRECTIVE.noFileComp };
  }
  const entry = entries.find((e) => e.name === name);
  if (!entry) return { candidates: [], directive: DIRECTIVE.noFileComp };
  if (cur.startsWith('-')) return { candidates: matching(flagsOf(entry.usage)), directive: DIRECTIVE.noFileComp };
  // The fixed words fill the first positional argument only; after it (or without any) file names.
  if (entry.words && entry.words.length > 0 && !rest.some((w) => !w.startsWith('-'))) return { candidates: matching(entry.words), directive: DIRECTIVE.noFileComp };
  return { candidates: [], directive: DIRECTIVE.default };
}

/** The completion script for a shell. */
export function completionScript(shell: Shell, entries: readonly CompletionEntry[], program = 'kscale'): string {
  switch (shell) {
    case 'bash': return bash(program, entries);
    case 'zsh': return zsh(program, entries);
    case 'fish': return fish(program, entries);
  }
}

export function completionCommand(args: string[], io: CommandIO, entries: () => readonly CompletionEntry[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) { io.out(completionUsage + '\n'); return Promise.resolve(0); }
  const [shell, ...extra] = positionals;
  if (!SHELLS.includes(shell as Shell) || extra.length > 0) throw new UsageError(`expected one shell: ${SHELLS.join(', ')}; got ${JSON.stringify(positionals.join(' '))}`);
  io.out(completionScript(shell as Shell, entries()));
  return Promise.resolve(0);
}
