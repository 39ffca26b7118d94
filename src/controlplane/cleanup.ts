// Teardown of every running control plane when the parent process is interrupted or exits without
// calling stop(): SIGINT/SIGTERM/SIGHUP run the orderly stop, process 'exit' kills what is left.
// Handlers are installed only while at least one control plane runs, so the process keeps its
// default signal behaviour otherwise.

export interface Teardown {
  /** Orderly, asynchronous stop (idempotent). */
  stop(): Promise<void>;
  /** Synchronous: SIGKILL the children and remove the work dir. For the 'exit' event. */
  killNow(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const live = new Set<Teardown>();
let installed = false;
let handlingSignal = false;

function onExit(): void {
  for (const t of live) t.killNow();
}

function onSignal(sig: NodeJS.Signals): void {
  if (handlingSignal) return;
  handlingSignal = true;
  // Were we the only listener? Then the default action (terminate) must be restored afterwards.
  const alone = process.listenerCount(sig) === 1;
  const all = Promise.allSettled([...live].map((t) => t.stop()));
  const cap = new Promise((resolve) => setTimeout(resolve, 25_000).unref());
  void Promise.race([all, cap]).then(() => {
    for (const t of live) t.killNow();
    live.clear();
    uninstall();
    handlingSignal = false;
    if (alone) process.kill(process.pid, sig);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const sig of SIGNALS) process.on(sig, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

/** Registers a running control plane; the returned function unregisters it (call it from stop()). */
export function registerTeardown(t: Teardown): () => void {
  live.add(t);
  install();
  return () => {
    live.delete(t);
    if (live.size === 0 && !handlingSignal) uninstall();
  };
}
