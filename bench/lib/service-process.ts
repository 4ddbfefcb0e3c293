import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CliError } from '../../scripts/lib/cli';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  exited(): boolean;
  /** Resolves once `probe` succeeds; rejects with the log's tail when the process dies or time runs out. */
  ready(probe: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** SIGTERM, as an orchestrator stops it; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServiceOptions {
  name: string;
  /** Entry point relative to the repository root. */
  main: string;
  env: Record<string, string>;
  logDir: string;
  /** Load the OpenTelemetry bootstrap first, as `npm start` and the Dockerfile do. */
  telemetry: boolean;
  /** Extra node options, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Node/V8 flags of a compiled service instead of the image's (imageNodeFlags()), to compare settings. */
  nodeFlags?: string[];
}

/**
 * The node flags the images start every service with, read from the Dockerfile's
 * CMD (`exec node <flags> --require ./platform/telemetry.js ...`), so the bench
 * runs the services with the flags production runs them with.
 */
export function imageNodeFlags(dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')): string[] {
  const cmd = /^CMD \[.*"exec node (.*?)--require \.\/platform\/telemetry\.js /m.exec(dockerfile);
  if (!cmd) throw new Error('Dockerfile: no CMD `exec node <flags> --require ./platform/telemetry.js ...` to read the node flags from');
  return cmd[1].split(' ').filter(Boolean);
}

/** Where `npm run build` puts the services as production runs them (scripts/build.mjs). */
export const COMPILED_ROOT = 'dist';

/**
 * One service as its own process, with its output in a log file so the parent
 * spends no CPU on it. A service (services/...) runs as the image runs it:
 * compiled JavaScript under plain node with the image's flags (`node <flags> --require
 * ./dist/platform/telemetry.js dist/services/<name>/src/main.js`; bench/run.ts builds
 * first). Fixtures run as TypeScript through tsx.
 */
export function spawnService({ name, main, env, logDir, telemetry, nodeArgs = [], nodeFlags }: SpawnServiceOptions): ServiceProcess {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const compiled = main.startsWith('services/');
  const js = (path: string) => join(COMPILED_ROOT, path.replace(/\.ts$/, '.js'));
  const args = compiled
    ? [...(nodeFlags ?? imageNodeFlags()), ...nodeArgs, ...(telemetry ? ['--require', `./${js('platform/telemetry.ts')}`] : []), js(main)]
    : [...nodeArgs, '--require', 'tsx/cjs', ...(telemetry ? ['--require', './platform/telemetry.ts'] : []), main];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      resolve();
    }),
  );
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  };

  return {
    name,
    pid: child.pid!,
    logFile,
    exited: () => exitCode !== undefined,
    async ready(probe, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exitCode !== undefined) throw new CliError(`${name} exited (${exitCode}) while starting; ${logFile}:\n${tail()}`);
        if (await probe().catch(() => false)) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new CliError(`${name} was not ready within ${timeoutMs / 1000} s; ${logFile}:\n${tail()}`);
    },
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Answers 200 on GET `url`. */
export const httpOk = (url: string) => () =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
