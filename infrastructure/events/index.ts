export {
  createDomainEvent,
  findDomainEventProblem,
  isDomainEvent,
  isEventType,
  parseDomainEvent,
  serializeDomainEvent,
  type ActorKind,
  type DomainEvent,
  type NewDomainEvent,
} from './domain-event';
export { EventBusClosedError, type EventBus, type EventHandler, type HandlerErrorReporter } from './event-bus';
export { matchesEventPattern, parseEventPattern, type EventPattern } from './event-pattern';
export { InProcessEventBus, type InProcessEventBusOptions } from './in-process-event-bus';
export {
  MALFORMED_EVENT_MESSAGE_TYPE,
  MalformedEventMessageError,
  RedisEventBus,
  type RedisEventBusOptions,
} from './redis-event-bus';
export { createUuid7Generator, uuid7, uuid7Timestamp, type Uuid7Generator, type Uuid7GeneratorOptions } from './uuid7';
export type { EventSubscriptionOptions } from './event-bus';
export * from './stream/event-stream';
export * from './stream/in-process-event-stream';
export * from './stream/redis-event-stream';
