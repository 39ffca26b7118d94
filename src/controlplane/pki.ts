// Per-run certificates and keys, made with the openssl CLI (Debian's OpenSSL 3): one CA for serving
// and client certs, a separate front-proxy CA for the aggregation layer, an admin client cert in
// system:masters, a ServiceAccount signing key pair and the fake metrics server's serving cert.
// ECDSA P-256 throughout: generating it is much cheaper than RSA on a busy 2-core machine.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAYS = '7';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface Pki {
  dir: string;
  caCert: string; caKey: string;
  apiserverCert: string; apiserverKey: string;
  adminCert: string; adminKey: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string; frontProxyClientKey: string;
  saKey: string; saPub: string;
  metricsCert: string; metricsKey: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('the embedded control plane needs the openssl CLI to make its certificates, and it is not on PATH (Debian: apt-get install openssl)', { cause: err });
    }
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(['req', '-x509', ...EC, '-days', DAYS, '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
}

interface LeafSpec { name: string; subject: string; ca: string; eku: 'serverAuth' | 'clientAuth'; san?: string }

async function makeLeaf(dir: string, s: LeafSpec): Promise<void> {
  const ext = ['-addext', `extendedKeyUsage=${s.eku}`, '-addext', 'keyUsage=critical,digitalSignature',
    '-addext', 'basicConstraints=critical,CA:FALSE'];
  if (s.san) ext.push('-addext', `subjectAltName=${s.san}`);
  await openssl(['req', '-new', ...EC, '-subj', s.subject, ...ext, '-keyout', `${s.name}.key`, '-out', `${s.name}.csr`], dir);
  // A random serial instead of -CAcreateserial: parallel signings would race on one .srl file.
  await openssl(['x509', '-req', '-in', `${s.name}.csr`, '-CA', `${s.ca}.crt`, '-CAkey', `${s.ca}.key`,
    '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', DAYS, '-copy_extensions', 'copyall',
    '-out', `${s.name}.crt`], dir);
}

/** Fails early, with a clear message, when the openssl CLI is missing. */
export async function checkOpenssl(): Promise<void> {
  await openssl(['version'], process.cwd());
}

export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await checkOpenssl();
  await Promise.all([makeCa(dir, 'ca', 'kscale-test-ca'), makeCa(dir, 'front-proxy-ca', 'kscale-front-proxy-ca')]);
  await Promise.all([
    makeLeaf(dir, { name: 'apiserver', subject: '/CN=kube-apiserver', ca: 'ca', eku: 'serverAuth',
      san: 'DNS:localhost,IP:127.0.0.1,IP:::1' }),
    makeLeaf(dir, { name: 'admin', subject: '/O=system:masters/CN=kscale-admin', ca: 'ca', eku: 'clientAuth' }),
    makeLeaf(dir, { name: 'front-proxy-client', subject: '/CN=front-proxy-client', ca: 'front-proxy-ca', eku: 'clientAuth' }),
    // The aggregator dials the ExternalName target but verifies the name <service>.<namespace>.svc.
    makeLeaf(dir, { name: 'metrics', subject: '/CN=fake-metrics', ca: 'ca', eku: 'serverAuth',
      san: 'DNS:fake-metrics.kube-system.svc,DNS:localhost,IP:127.0.0.1,IP:::1' }),
    (async () => {
      await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
      await openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
    })(),
  ]);
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'), caKey: p('ca.key'),
    apiserverCert: p('apiserver.crt'), apiserverKey: p('apiserver.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'),
    frontProxyCaCert: p('front-proxy-ca.crt'),
    frontProxyClientCert: p('front-proxy-client.crt'), frontProxyClientKey: p('front-proxy-client.key'),
    saKey: p('sa.key'), saPub: p('sa.pub'),
    metricsCert: p('metrics.crt'), metricsKey: p('metrics.key'),
  };
}

/**
 * One more serving cert signed by the control plane's CA (for processes started later, such as
 * metrics-server and kwok in the kwok mode): `<dir>/<name>.crt` and `.key`, with these SANs.
 */
export async function generateServingCert(pki: Pki, name: string, san: string): Promise<{ cert: string; key: string }> {
  await makeLeaf(pki.dir, { name, subject: `/CN=${name}`, ca: 'ca', eku: 'serverAuth', san });
  return { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
}
