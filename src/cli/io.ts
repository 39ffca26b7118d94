// What a command needs from the process, passed in so commands are testable without spawning.
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

/** Bad flags or arguments: printed as "kscale: <message>" with exit code 2. */
export class UsageError extends Error {}

export function processIO(): CommandIO {
  return {
    out: (t) => { process.stdout.write(t); },
    err: (t) => { process.stderr.write(t); },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
