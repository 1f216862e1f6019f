/** Errors of the generation engine. */
import { LmkitError } from '../errors.js';

/** The scheduler's waiting queue is full: the server answers 429 and the client retries later. */
export class QueueFullError extends LmkitError {
  readonly queued: number;
  readonly maxQueue: number;
  constructor(queued: number, maxQueue: number) {
    super('overloaded', `[scheduler] ${queued} requests are already waiting (maxQueue ${maxQueue}); retry later`);
    this.queued = queued;
    this.maxQueue = maxQueue;
  }
}
