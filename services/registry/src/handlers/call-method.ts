import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import type { JsonObject } from '@bufbuild/protobuf';
import { caller, type CallContext } from '../../../../platform/rpc/context';
import { Code, invalidArgument, notFound, RpcError, unavailable } from '../../../../platform/errors';
import type { CallMethodRequest, CallMethodResponse } from '../../../../gen/ts/shop/registry/v1/registry';
import { callServerStream, callUnary, encodeRequest } from '../calls/dynamic-call';
import { CallSource, codeName } from '../domain/call-log';
import { planCall, type CallLimits, type CallPlan } from '../domain/call-request-rules';
import type { InstanceRecord } from '../domain/instance-rules';
import type { InstanceProbes } from '../probes/instance-probes';
import type { CallLogStore } from '../store/call-log-store';
import type { FleetView } from './fleet-view';

export interface CallMethodDeps {
  fleet: FleetView;
  probes: InstanceProbes;
  callLog: CallLogStore;
  limits: CallLimits;
  /** Counts calls by service and result (catalog-metrics.ts). */
  countCall(service: string, result: string): void;
  now?: () => Date;
}

export const currentTraceId = () => trace.getActiveSpan()?.spanContext().traceId ?? '';

/**
 * CallMethod: any method of any registered service, as JSON, with the
 * service's own descriptors from its reflection. Admin only (service.ts);
 * every attempt leaves an audit line and every call made an entry in the
 * call log, neither with a body or a credential.
 */
export function callMethodHandler({ fleet, probes, callLog, limits, countCall, now = () => new Date() }: CallMethodDeps) {
  /** The named instance, or a serving one (its health probe is cached briefly), in random order so load spreads. */
  async function pickInstance(plan: CallPlan): Promise<InstanceRecord> {
    const records = (await fleet.alive(now())).filter((r) => r.serviceName === plan.serviceName);
    if (records.length === 0) throw notFound('service', plan.serviceName);
    if (plan.instanceId) {
      const named = records.find((r) => r.id === plan.instanceId);
      if (!named) throw notFound('instance', plan.instanceId);
      return named;
    }
    for (const record of records.sort(() => Math.random() - 0.5)) {
      if ((await probes.health(record)) === 'SERVING') return record;
    }
    throw unavailable(`no instance of ${plan.serviceName} is serving`, 'NO_SERVING_INSTANCE');
  }

  /**
   * The caller's credentials go only to instances that registered themselves
   * with a service token: a discovered (third-party) server never receives a
   * user's or an admin's bearer token.
   */
  function outboundMetadata(ctx: CallContext, record: InstanceRecord): grpc.Metadata {
    const metadata = new grpc.Metadata();
    const authorization = ctx.metadata.get('authorization')[0];
    if (record.origin === 'self' && typeof authorization === 'string') metadata.set('authorization', authorization);
    return metadata;
  }

  return async function callMethod(req: CallMethodRequest, ctx: CallContext): Promise<CallMethodResponse> {
    const subject = caller(ctx).userId;
    const started = performance.now();
    let plan: CallPlan | undefined;
    let record: InstanceRecord | undefined;
    // Only calls that were sent are logged and counted; refused requests leave the audit line alone.
    let sent = false;
    let code: number = Code.OK;
    try {
      plan = planCall(req, limits);
      record = await pickInstance(plan);
      const contracts = await probes.contracts(record).catch(() => {
        throw unavailable(
          `the server reflection of ${plan!.serviceName} instance ${record!.id} does not answer; its methods cannot be encoded`,
          'REFLECTION_UNAVAILABLE',
        );
      });
      const method = contracts.services.includes(plan.contract)
        ? contracts.registry.getService(plan.contract)?.methods.find((m) => m.name === plan!.methodName)
        : undefined;
      if (!method) throw notFound('method', req.method);
      if (method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming') {
        throw invalidArgument([
          {
            field: 'method',
            description: `${req.method} is a ${method.methodKind.replace('_', ' ')} method; only unary and server-streaming methods can be called through the registry`,
          },
        ]);
      }
      const call = {
        channel: probes.channelOf(record),
        registry: contracts.registry,
        method,
        body: encodeRequest(method, contracts.registry, (req.request ?? {}) as JsonObject),
        metadata: outboundMetadata(ctx, record),
        // Never past the caller's own deadline.
        deadline: Math.min(Date.now() + plan.timeoutMs, ctx.deadline ?? Infinity),
        signal: ctx.signal,
      };
      sent = true;
      const answer: CallMethodResponse = { instanceId: record.id, response: undefined, messages: [], truncated: false, latencyMs: 0 };
      if (method.methodKind === 'server_streaming') Object.assign(answer, await callServerStream(call, plan.maxMessages));
      else answer.response = await callUnary(call);
      answer.latencyMs = performance.now() - started;
      return answer;
    } catch (error) {
      code = RpcError.from(error)?.code ?? Code.UNKNOWN;
      throw error;
    } finally {
      const latencyMs = performance.now() - started;
      ctx.log.info(
        { audit: 'CallMethod', caller: subject, service: req.serviceName, method: req.method, instance: record?.id, code: codeName(code), latencyMs },
        'call through the registry',
      );
      if (sent && plan && record) {
        countCall(plan.serviceName, codeName(code));
        await callLog
          .append([
            {
              id: randomUUID(),
              serviceName: plan.serviceName,
              method: req.method,
              caller: subject,
              statusCode: codeName(code),
              latencyMs,
              time: now(),
              traceId: currentTraceId(),
              source: CallSource.CALL_SOURCE_REGISTRY,
              instanceId: record.id,
            },
          ])
          .catch((error) => ctx.log.warn({ err: error }, 'call log unavailable; the call was made but not logged'));
      }
    }
  };
}
