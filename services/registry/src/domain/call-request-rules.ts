import { Violations } from '../../../../platform/errors';
import type { CallMethodRequest } from '../../../../gen/ts/shop/registry/v1/registry';
import { FULL_METHOD } from './call-log';

export interface CallLimits {
  /** Deadline when the request names none. */
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  /** Most messages of a server stream returned. */
  maxMessages: number;
}

export interface CallPlan {
  serviceName: string;
  /** Full service name, e.g. "shop.catalog.v1.CatalogService". */
  contract: string;
  methodName: string;
  instanceId?: string;
  timeoutMs: number;
  maxMessages: number;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DEFAULT_MESSAGES = 20;

/** A CallMethod request checked, every bad field reported at once; the bounds come from configuration. */
export function planCall(req: CallMethodRequest, limits: CallLimits): CallPlan {
  new Violations()
    .check(SERVICE_NAME.test(req.serviceName), 'service_name', 'required: a registered service name such as "catalog"')
    .check(FULL_METHOD.test(req.method), 'method', 'required: a full method name such as "shop.catalog.v1.CatalogService/ListProducts"')
    .check(req.instanceId === '' || INSTANCE_ID.test(req.instanceId), 'instance_id', 'an instance id from GetService, or empty')
    .check(
      req.timeoutMs >= 0 && req.timeoutMs <= limits.maxTimeoutMs,
      'timeout_ms',
      `between 0 and ${limits.maxTimeoutMs} (0 means ${limits.defaultTimeoutMs})`,
    )
    .check(
      req.maxMessages >= 0 && req.maxMessages <= limits.maxMessages,
      'max_messages',
      `between 0 and ${limits.maxMessages} (0 means ${Math.min(DEFAULT_MESSAGES, limits.maxMessages)})`,
    )
    .throwIfAny();
  const [contract, methodName] = req.method.split('/');
  return {
    serviceName: req.serviceName,
    contract,
    methodName,
    instanceId: req.instanceId || undefined,
    timeoutMs: req.timeoutMs || limits.defaultTimeoutMs,
    maxMessages: req.maxMessages || Math.min(DEFAULT_MESSAGES, limits.maxMessages),
  };
}
