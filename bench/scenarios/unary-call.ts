import { SuggestNamesRequest, SuggestNamesResponse, UsersServiceService } from '../../gen/ts/shop/users/v1/users';
import { suggestNames } from '../../services/users/src/domain/name-generator';
import { ECHO_PATH } from '../fixtures/echo-server';
import { bearer, callMethod, rawGrpcClient } from '../lib/raw-grpc';
import { compareVariants, type BenchSettings, type ScenarioResult } from '../lib/scenario';

export interface UnaryCallTargets {
  /** The bare grpc-js echo server (bench/fixtures/echo-server.ts). */
  echo: { address: string; pid?: number };
  /** A users service started by startService: metrics, auth, logging, tracing. */
  users: { address: string; pid?: number };
  /** The same users service started without the OpenTelemetry preload (optional). */
  usersWithoutTracing?: { address: string; pid?: number };
  /** A token the users service accepts, for the variant that carries one. */
  token?: string;
}

const NAMES = 5;

/** What the echo server answers: a SuggestNames response of the same size as the real one. */
export function echoReply(): Buffer {
  return Buffer.from(SuggestNamesResponse.encode({ names: suggestNames(NAMES) }).finish());
}

/**
 * The cost of the platform's server stack on one unary call: the same client
 * calls a bare grpc-js server and users SuggestNames (a handler that does
 * almost nothing), at the same concurrency.
 */
export async function unaryCallScenario(targets: UnaryCallTargets, settings: BenchSettings): Promise<ScenarioResult> {
  const echo = rawGrpcClient(targets.echo.address);
  const users = rawGrpcClient(targets.users.address);
  const untraced = targets.usersWithoutTracing ? rawGrpcClient(targets.usersWithoutTracing.address) : undefined;
  const request: SuggestNamesRequest = { count: NAMES };
  const requestBytes = Buffer.from(SuggestNamesRequest.encode(request).finish());
  const processes = (name: string, pid?: number) => (pid === undefined ? undefined : { [name]: pid });
  try {
    const variants = await compareVariants(
      'unary',
      [
        {
          name: 'bare grpc-js echo',
          baseline: true,
          processes: processes('echo', targets.echo.pid),
          op: async () => void (await echo.unary(ECHO_PATH, (b: Buffer) => b, SuggestNamesResponse.decode, requestBytes)),
        },
        {
          name: 'platform: users SuggestNames',
          processes: processes('users', targets.users.pid),
          op: async () => void (await callMethod(users, UsersServiceService.suggestNames, request)),
        },
        ...(untraced
          ? [
              {
                name: 'platform: SuggestNames, tracing off',
                processes: processes('users', targets.usersWithoutTracing!.pid),
                op: async () => void (await callMethod(untraced, UsersServiceService.suggestNames, request)),
              },
            ]
          : []),
        ...(targets.token
          ? [
              {
                name: 'platform: SuggestNames + bearer JWT',
                processes: processes('users', targets.users.pid),
                op: async () => void (await callMethod(users, UsersServiceService.suggestNames, request, bearer(targets.token!))),
              },
            ]
          : []),
      ],
      settings,
    );
    const named = (name: string) => variants.find((v) => v.name === name);
    const [bare, platform] = variants;
    const withoutTracing = named('platform: SuggestNames, tracing off');
    const withToken = named('platform: SuggestNames + bearer JWT');
    const figures: Record<string, number> = {
      'throughput ratio, bare / platform': bare.throughput / platform.throughput,
      'p50 ratio, platform / bare': platform.latency.p50Ms / bare.latency.p50Ms,
      'p99 ratio, platform / bare': platform.latency.p99Ms / bare.latency.p99Ms,
    };
    if (bare.serverCpuUsPerOp && platform.serverCpuUsPerOp) figures['server CPU per call, platform / bare'] = platform.serverCpuUsPerOp / bare.serverCpuUsPerOp;
    if (withoutTracing) figures['throughput ratio, bare / platform without tracing'] = bare.throughput / withoutTracing.throughput;
    if (withoutTracing?.serverCpuUsPerOp && platform.serverCpuUsPerOp)
      figures['server CPU µs per call spent on tracing'] = platform.serverCpuUsPerOp - withoutTracing.serverCpuUsPerOp;
    if (withToken) figures['throughput ratio, bare / platform with JWT'] = bare.throughput / withToken.throughput;
    return {
      id: 'unary',
      title: 'Unary call cost: bare grpc-js vs. the platform stack',
      figures,
      variants,
      notes: [
        'Same raw grpc-js client, one HTTP/2 connection, for every variant; SuggestNames does no I/O, so the difference is the platform stack (interceptors, metrics, auth, logging, tracing).',
      ],
    };
  } finally {
    echo.close();
    users.close();
    untraced?.close();
  }
}
