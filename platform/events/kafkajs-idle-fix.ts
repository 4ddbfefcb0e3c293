/**
 * kafkajs 2.2.4 (its last release) keeps every broker connection in a 1 ms
 * timer loop while nothing is pending: RequestQueue.scheduleCheckPendingRequests
 * schedules itself with a negative delay when the queue is empty
 * (tulios/kafkajs#1556, fix proposed in #1667, never released). Measured here:
 * two thirds of an idle consumer's CPU, about 3 % of a core per service at
 * rest. This applies #1667's fix once, for every client the process creates:
 * a check is scheduled only while requests wait; a new request, or a
 * response that frees an in-flight slot, checks the queue anyway.
 */
// Deep import on purpose: the class is not exported, and kafkajs is pinned (package.json).
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: { scheduleCheckPendingRequests(this: QueueState): void; idleFix?: true };
};

/** What the patched method reads of a RequestQueue; names are kafkajs's. */
interface QueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_INTERVAL_MS = 10;

export function applyKafkajsIdleFix(): void {
  const proto = RequestQueue.prototype;
  if (proto.idleFix) return;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: QueueState) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : CHECK_INTERVAL_MS,
    );
  };
  proto.idleFix = true;
}

applyKafkajsIdleFix();
