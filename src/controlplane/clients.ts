// API clients for the harness's own calls. client-node 2.0.1 has no request timeout of its own (a
// silent server holds a call for 300 s), so every client here carries one.
import {
  createConfiguration, Observable, ServerConfiguration, setHeaderMiddleware,
  type ApiType, type Configuration, type KubeConfig, type ObservableMiddleware,
} from '@kubernetes/client-node';

const pass = <T>(x: T): Observable<T> => new Observable(Promise.resolve(x));

export function timeoutMiddleware(ms: number): ObservableMiddleware {
  return {
    pre: (ctx) => { ctx.setSignal(AbortSignal.timeout(ms)); return pass(ctx); },
    post: pass,
  };
}

export function makeConfiguration(kc: KubeConfig, timeoutMs = 15_000): Configuration {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    middleware: [setHeaderMiddleware('User-Agent', 'kscale-controlplane-harness'), timeoutMiddleware(timeoutMs)],
  });
}

export function makeClient<T extends ApiType>(kc: KubeConfig, Api: new (c: Configuration) => T, timeoutMs = 15_000): T {
  return new Api(makeConfiguration(kc, timeoutMs));
}

/** HTTP status of a client-node error (ApiException), if it has one. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
