import { randomUUID } from 'node:crypto';
import { Violations } from '../../../../platform/errors';
import { createPageTokens, pageSize } from '../../../../platform/page-token';
import type { CallContext } from '../../../../platform/rpc/context';
import type { CallRecord, ListCallsRequest, ListCallsResponse, ReportCallsRequest, ReportCallsResponse } from '../../../../gen/ts/shop/registry/v1/registry';
import { requireService } from '../domain/caller-rules';
import { CallSource, FULL_METHOD, pageKey, pageOfCalls, STATUS_CODE_NAMES, type CallEntry } from '../domain/call-log';
import { validateServiceName } from '../domain/instance-rules';
import type { CallLogStore } from '../store/call-log-store';
import type { FleetView } from './fleet-view';

export interface CallLogDeps {
  callLog: CallLogStore;
  fleet: FleetView;
  now?: () => Date;
}

/** A report is one batch of a client's samples; more than this is no sample. */
export const MAX_REPORTED_CALLS = 500;
const CONTRACT = /^[A-Za-z_][A-Za-z0-9_.]{0,200}$/;
const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;
const TRACE_ID = /^([0-9a-f]{32})?$/;
/** Clocks of services and registry disagree a little; a sample from further away is not trusted for its time. */
const CLOCK_SKEW_MS = 5 * 60_000;

const pageTokens = createPageTokens('ListCalls');

const toRecord = (e: CallEntry): CallRecord => ({
  id: e.id,
  serviceName: e.serviceName,
  method: e.method,
  caller: e.caller,
  statusCode: e.statusCode,
  latencyMs: e.latencyMs,
  time: e.time,
  traceId: e.traceId,
  source: e.source,
  instanceId: e.instanceId,
});

/** ListCalls (admin) and ReportCalls (services' sampled client calls). */
export function callLogHandlers({ callLog, fleet, now = () => new Date() }: CallLogDeps) {
  return {
    async listCalls(req: ListCallsRequest): Promise<ListCallsResponse> {
      validateServiceName(req.serviceName);
      new Violations()
        .check(
          req.method === '' || FULL_METHOD.test(req.method),
          'method',
          'a full method name such as "shop.catalog.v1.CatalogService/ListProducts", or empty',
        )
        .check(
          req.statusCode === '' || STATUS_CODE_NAMES.includes(req.statusCode),
          'status_code',
          `a gRPC code name (${STATUS_CODE_NAMES.join(', ')}), or empty`,
        )
        .throwIfAny();
      const size = pageSize(req.pageSize);
      const filter = { service: req.serviceName, method: req.method, statusCode: req.statusCode };
      const after = pageTokens.decode(req.pageToken, filter);
      const { page, more } = pageOfCalls(await callLog.read(req.serviceName, now()), filter, after, size);
      return { calls: page.map(toRecord), nextPageToken: more ? pageTokens.encode(pageKey(page[page.length - 1]), filter) : '' };
    },

    async reportCalls(req: ReportCallsRequest, ctx: CallContext): Promise<ReportCallsResponse> {
      const reporter = requireService(ctx.identity, ctx.method);
      const violations = new Violations().check(req.calls.length <= MAX_REPORTED_CALLS, 'calls', `at most ${MAX_REPORTED_CALLS} per report`);
      req.calls.forEach((call, i) =>
        violations
          .check(CONTRACT.test(call.contract), `calls[${i}].contract`, 'a full service name such as "shop.users.v1.UsersService"')
          .check(METHOD_NAME.test(call.method), `calls[${i}].method`, 'a method name such as "GetUser"')
          .check(STATUS_CODE_NAMES.includes(call.statusCode), `calls[${i}].status_code`, 'a gRPC code name')
          .check(Number.isFinite(call.latencyMs) && call.latencyMs >= 0 && call.latencyMs <= 3_600_000, `calls[${i}].latency_ms`, 'between 0 and 3600000')
          .check(TRACE_ID.test(call.traceId), `calls[${i}].trace_id`, '32 lower-case hex digits, or empty'),
      );
      violations.throwIfAny();

      const at = now();
      const services = new Map<string, string | undefined>();
      const entries: CallEntry[] = [];
      for (const call of req.calls) {
        // Logged under the registered service that serves the contract; a contract nobody serves is dropped.
        if (!services.has(call.contract)) services.set(call.contract, await fleet.serviceServing(call.contract, at));
        const serviceName = services.get(call.contract);
        if (!serviceName) continue;
        const time = call.time && Math.abs(call.time.getTime() - at.getTime()) <= CLOCK_SKEW_MS ? call.time : at;
        entries.push({
          id: randomUUID(),
          serviceName,
          method: `${call.contract}/${call.method}`,
          caller: `service:${reporter}`,
          statusCode: call.statusCode,
          latencyMs: call.latencyMs,
          time,
          traceId: call.traceId,
          source: CallSource.CALL_SOURCE_SAMPLED,
          instanceId: '',
        });
      }
      await callLog.append(entries, at);
      return { accepted: entries.length };
    },
  };
}
