import { counter, histogram } from '../metrics';

/**
 * RED metrics of gRPC calls, served (platform/rpc/server-interceptors.ts)
 * and made (platform/client.ts). Names and labels follow go-grpc-prometheus:
 * the dashboards in observability/ and the alert rules read them.
 */
const rpcLabels = ['grpc_service', 'grpc_method', 'grpc_type'] as const;

export const rpcMetrics = {
  serverStarted: counter('grpc_server_started_total', 'RPCs started on the server.', rpcLabels),
  serverHandled: counter('grpc_server_handled_total', 'RPCs completed on the server, by status code.', [...rpcLabels, 'grpc_code']),
  serverSeconds: histogram('grpc_server_handling_seconds', 'Time to handle an RPC on the server.', rpcLabels, { exemplars: true }),
  clientHandled: counter('grpc_client_handled_total', 'RPCs completed by clients, by status code.', [...rpcLabels, 'grpc_code']),
  clientSeconds: histogram('grpc_client_handling_seconds', 'Time from starting an RPC to its status, on the client.', rpcLabels, { exemplars: true }),
};
