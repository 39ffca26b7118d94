// client-node's informer stops for good on any error but a 410 (reference/client-node.md §9):
// this wrapper restarts it with jittered exponential backoff and reports whether it has synced.
import type { Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { makeInformer } from '../kube/client-node.ts';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. "/api/v1/pods". Bookmarks and a server-side timeout are added. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** Called with the error and the delay before the next start. */
  onRestart: (err: unknown, delayMs: number) => void;
  random?: () => number;
}

export class ResilientInformer<T extends KubernetesObject> {
  readonly #informer: Informer<T> & ObjectCache<T>;
  readonly #onRestart: ResilientInformerOptions<T>['onRestart'];
  readonly #random: () => number;
  #stopped = false;
  #synced = false;
  #errors = 0;
  #failures = 0;
  #healthySince = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(o: ResilientInformerOptions<T>) {
    // Bookmarks advance the resourceVersion on quiet watches, and a 25 s server timeout ends each
    // watch cleanly before client-node's 30 s inactivity timer, so quiet watches rarely hit 410.
    const sep = o.path.includes('?') ? '&' : '?';
    this.#informer = makeInformer<T>(o.kubeConfig, `${o.path}${sep}allowWatchBookmarks=true&timeoutSeconds=25`, o.list, o.labelSelector);
    this.#onRestart = o.onRestart;
    this.#random = o.random ?? Math.random;
    this.#informer.on('error', (err: unknown) => { this.#onError(err); });
  }

  get synced(): boolean { return this.#synced; }
  get cache(): ObjectCache<T> { return this.#informer; }

  on(event: 'add' | 'update' | 'delete', handler: (obj: T) => void): void {
    this.#informer.on(event, handler);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    const before = this.#errors;
    await this.#informer.start(); // resolves even when the list failed: errors arrive via 'error'
    if (this.#errors === before && this.#running()) { this.#synced = true; this.#healthySince = Date.now(); }
  }

  // A method, so the check reads the field after the await (stop() may run meanwhile).
  #running(): boolean { return !this.#stopped; }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#informer.stop();
  }

  #onError(err: unknown): void {
    this.#errors++;
    if (this.#stopped) return; // stop() itself emits an AbortError
    // A watch that ran well for a minute resets the backoff.
    if (this.#healthySince > 0 && Date.now() - this.#healthySince > 60_000) this.#failures = 0;
    this.#healthySince = 0;
    const ceiling = Math.min(30_000, 1_000 * 2 ** this.#failures++);
    const delay = Math.round(ceiling * (0.5 + this.#random() / 2));
    this.#onRestart(err, delay);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { void this.start(); }, delay);
  }
}
