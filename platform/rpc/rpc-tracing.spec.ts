import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { Code, notFound } from '../errors';
import type { CallContext } from './context';
import { startClientSpan, tracingOn } from './rpc-tracing';
import { tracingInterceptor } from './server-interceptors';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

function callWith(metadata = new Metadata()): CallContext {
  return {
    service: 'shop.test.v1.TestService',
    method: 'Do',
    kind: 'unary',
    access: 'public',
    metadata,
    signal: new AbortController().signal,
    log: pino({ level: 'silent' }),
  };
}

describe('platform/rpc/rpc-tracing', () => {
  const exporter = new InMemorySpanExporter();

  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterEach(() => exporter.reset());
  after(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('serves a call in a SERVER span, child of the traceparent it came with, active for the handler', async () => {
    const metadata = new Metadata();
    metadata.set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`);
    let active: string | undefined;
    const served = tracingInterceptor(async () => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      return 'ok';
    });
    assert.equal(await served(undefined, callWith(metadata)), 'ok');

    const [span] = exporter.getFinishedSpans();
    assert.equal(span.name, 'grpc.shop.test.v1.TestService/Do');
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN);
    assert.equal(active, span.spanContext().spanId);
    assert.deepEqual(span.attributes, { 'rpc.system': 'grpc', 'rpc.service': 'shop.test.v1.TestService', 'rpc.method': 'Do', 'rpc.grpc.status_code': Code.OK });
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('ends the span ERROR with the gRPC code of a failed call, and rethrows the error', async () => {
    const thrown = notFound('thing', 't-1');
    const served = tracingInterceptor(async () => {
      throw thrown;
    });
    await assert.rejects(served(undefined, callWith()), (error) => error === thrown);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span.attributes['rpc.grpc.status_code'], Code.NOT_FOUND);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.parentSpanContext, undefined, 'no traceparent: a new trace');
  });

  it('sends the context of a CLIENT span, child of the call being served, in the outbound metadata', async () => {
    const outbound = new Metadata();
    const served = tracingInterceptor(async () => {
      const span = startClientSpan('shop.other.v1.OtherService', 'Get', outbound)!;
      span.end();
      return span.spanContext();
    });
    const client = (await served(undefined, callWith())) as { traceId: string; spanId: string };
    assert.equal(outbound.get('traceparent')[0], `00-${client.traceId}-${client.spanId}-01`);
    const [clientSpan, serverSpan] = exporter.getFinishedSpans();
    assert.equal(clientSpan.kind, SpanKind.CLIENT);
    assert.equal(clientSpan.name, 'grpc.shop.other.v1.OtherService/Get');
    assert.equal(clientSpan.parentSpanContext?.spanId, serverSpan.spanContext().spanId);
  });

  it('costs nothing and sends nothing when no SDK is registered', async () => {
    trace.disable();
    try {
      assert.equal(tracingOn(), false);
      const outbound = new Metadata();
      assert.equal(startClientSpan('shop.other.v1.OtherService', 'Get', outbound), undefined);
      assert.deepEqual(outbound.get('traceparent'), []);
      assert.equal(await tracingInterceptor(async () => 'ok')(undefined, callWith()), 'ok');
    } finally {
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    }
    assert.equal(tracingOn(), true);
  });
});
