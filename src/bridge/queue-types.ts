// The queue's contract: what goes in, what comes out, what it reports.

type BufferPolicy = "drop-oldest" | "refuse-new";

export interface QueueLimits {
  maxMessages: number;
  maxBytes: number;
  policy: BufferPolicy;
}

export interface OutMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** v5 properties kept across the queue (user properties, content type, format indicator) */
  properties?: OutProperties;
}

export interface OutProperties {
  userProperties?: Record<string, string | string[]>;
  contentType?: string;
  payloadFormatIndicator?: boolean;
}

export interface QueuedMessage extends OutMessage {
  seq: number;
  /** ms since the epoch when it was queued */
  at: number;
  bytes: number;
}

/** "queued": committed; "refused": the buffer is full and the policy is refuse-new */
export type OfferResult = "queued" | "refused";

interface QueueStats {
  messages: number;
  bytes: number;
  /** ms since the epoch of the oldest queued message, or null when empty */
  oldestAt: number | null;
  /** messages dropped (either policy) since the file was created */
  dropped: number;
}

export interface BridgeQueue {
  offer(m: OutMessage): Promise<OfferResult>;
  /** up to `limit` committed messages with seq > after, oldest first */
  peek(after: number, limit: number): QueuedMessage[];
  /** the upstream has the message: delete it (batched with the next commit) */
  ack(seq: number): void;
  stats(): QueueStats;
  /** drops since the last call (for the once-a-minute log line) */
  takeDropped(): number;
  /** a small JSON status row the CLI reads (`neo bridge status`) */
  writeStatus(status: unknown): void;
  /** commit what is pending now */
  flush(): void;
  close(): void;
  readonly limits: QueueLimits;
}
