// kubectl_complete-kscale: kubectl (1.26+) completes a plugin's arguments by running an executable
// named kubectl_complete-<plugin> on the PATH with the words after the plugin's name, the last being
// the word under the cursor, and reading cobra's `__complete` answer: one candidate a line, then
// ":<directive>" (k8s.io/kubectl/pkg/cmd/plugin/plugin_completion.go). The candidates come from the
// plugin's command table and each command's help text, as `kscale completion` does.
import { completeArgs } from './completion.ts';
import { processIO, type CommandIO } from './io.ts';
import { pluginCommands } from './kubectl-plugin.ts';
import { completionEntries } from './main.ts';

/** Prints the completions of `kubectl kscale <argv...>`; always exits 0 (no answer: kubectl's default). */
export function kubectlComplete(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const { candidates, directive } = completeArgs(completionEntries(pluginCommands()), argv);
  io.out([...candidates, `:${String(directive)}`].join('\n') + '\n');
  return Promise.resolve(0);
}

if (import.meta.main) process.exitCode = await kubectlComplete(process.argv.slice(2));
