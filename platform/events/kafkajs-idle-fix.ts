/**
 * kafkajs 2.2.4 (its last release) keeps every broker connection in a ~1 ms
 * timer loop while nothing is pending: RequestQueue.scheduleCheckPendingRequests
 * schedules itself with a negative delay when the queue is empty
 * (tulios/kafkajs#1556; measured here: ~880 checks a second per idle
 * connection, most of an idle consumer's CPU). The fix proposed upstream
 * (#1667) stops checking while nothing is pending; with it, our resilience
 * test saw the relay's idempotent producer stuck on "out of order sequence
 * number" after a broker restart, so something in kafkajs leans on that loop.
 * This keeps the loop but at kafkajs's own 10 ms check interval instead of
 * a few milliseconds: about two thirds of the timer work gone (a test pins it),
 * the behaviour unchanged.
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
    if (this.throttleCheckTimeoutId) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 && this.pending.length > 0 ? throttled : CHECK_INTERVAL_MS,
    );
  };
  proto.idleFix = true;
}

applyKafkajsIdleFix();
