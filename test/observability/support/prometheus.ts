import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { until } from '../../support/poll';
import { freePort } from '../../../bench/lib/service-process';

const INSTALL_HINT = "it comes from Debian's `prometheus` package: apt-get update && apt-get install -y prometheus (.ci/run installs it)";

/** The path of a Prometheus tool, or an error that says how to get it. */
export function prometheusTool(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('/bin/sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error(`${name} is not installed: ${INSTALL_HINT}`);
  return path;
}

/** Runs promtool; the result keeps its whole output for assertion messages. */
export function promtool(args: string[], cwd: string) {
  const result = spawnSync(prometheusTool('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus (the Debian binary) on a free port with its own config and
 * a throwaway storage directory, exemplar storage on as in compose.
 */
export async function startPrometheus(config: object) {
  const binary = prometheusTool('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const api = async (path: string, params: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: any; error?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? response.status}`);
    return body.data;
  };

  try {
    await until('prometheus to be ready', async () => child.exitCode === null && (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 30_000, intervalMs: 200 });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  }

  return {
    url,
    output: () => output,
    /** An instant query at the current time. */
    query: async (expr: string): Promise<PromResult[]> => (await api('/api/v1/query', { query: expr })).result,
    /** Exemplars stored for the series of `expr` over the last `seconds`. */
    exemplars: async (
      expr: string,
      seconds = 300,
    ): Promise<{ seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[]> => {
      const now = Date.now() / 1000;
      return api('/api/v1/query_exemplars', { query: expr, start: String(now - seconds), end: String(now + 1) });
    },
    targets: async (): Promise<{ labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string }[]> =>
      (await api('/api/v1/targets', { state: 'active' })).activeTargets,
    rules: async (): Promise<{ name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[]> =>
      (await api('/api/v1/rules')).groups,
    stop,
  };
}

export type RunningPrometheus = Awaited<ReturnType<typeof startPrometheus>>;
