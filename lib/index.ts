// The public surface: re-exports only.
import * as gen from './behaviours/gen_server';
import * as returns from './returns';
import type { Protocol } from './types';

// TypeScript compiles `export { X } from` to a getter in CommonJS, which user code then runs on every
// `GenServer.call(...)` or `noreply(...)` (~5% of a cast). The hottest names are plain properties.
export const GenServer = gen.GenServer;
export type GenServer<State = unknown, P extends Protocol = Protocol> = gen.GenServer<State, P>;
export const reply = returns.reply;
export const noreply = returns.noreply;
export type { ServerTarget, From, GlobalName } from './behaviours/client';
export type { StartOptions } from './behaviours/start';
export type { ServerInfo } from './behaviours/sys';
export { ServerRef } from './process/ref';
export { TimerRef } from './process/timers';
export { MonitorRef, type ExitMessage, type DownMessage } from './process/links';
export { init, handleCall, handleCast, handleInfo, handleContinue, terminate, formatStatus, singleton } from './decorators';
export type { Status, FormattedStatus, StatusMessage, ServerStatus } from './process/format_status';
export { stop, ignore, type Reply, type NoReply, type Stop, type Ignore, type ReturnOptions, type ContinueValue } from './returns';
export { setLogger, consoleLogger, type Logger } from './logger';
export { Supervisor, type SupervisorOptions, type Strategy, type ChildInfo, type ChildCounts } from './behaviours/supervisor';
export { DynamicSupervisor, type DynamicSupervisorOptions } from './behaviours/dynamic_supervisor';
export { Agent, type AgentTarget } from './behaviours/agent';
export {
  RequestId,
  RequestIdCollection,
  type RequestResponse,
  type MultiCallResult,
  type CollectedResponse,
  type CollectOptions,
  type NoResponse,
} from './behaviours/requests';
export { Task, type TaskResult, type TaskFn, type AsyncStreamOptions } from './behaviours/task';
export { TaskSupervisor, type TaskChildOptions } from './behaviours/task_supervisor';
export { Registry, type DispatchOptions } from './registry/registry';
export type { RegistryOptions } from './registry/server';
export type { RegistryEntry, RegistryKeys, RegistryRegisterEvent, RegistryUnregisterEvent } from './registry/table';
export {
  Match,
  type MatchWildcard,
  type MatchVar,
  type MatchEntry,
  type MatchConst,
  type Guard,
  type GuardExpression,
  type GuardOperand,
  type GuardOperator,
  type SelectClause,
} from './registry/match_spec';
export type { ChildSpec, ChildSpecInput, Restart, Shutdown, ChildType } from './behaviours/child_spec';
export type { ViaName } from './process/names';
export { Node } from './node/api';
export { ClusterSingleton, type ClusterSingletonOptions, type SingletonClass } from './node/singleton';
export type { ConnectOptions, GlobalOptions } from './node/nats/options';
export { v8Codec, type Codec } from './node/codec';
export { wireCodec } from './node/codec_wire';
export { jsonCodec } from './node/codec_json';
export { PartitionSupervisor, type PartitionSupervisorOptions } from './behaviours/partition_supervisor';
export type { ThreadOptions } from './node/threads';
export type { RemoteName } from './behaviours/client';
export type {
  Protocol,
  CallReply,
  CallPayload,
  CastPayload,
  InfoPayload,
  ContinuePayload,
  CallTag,
  CastTag,
  InfoTag,
  ContinueTag,
  StateOf,
  ProtocolOf,
} from './types';
export {
  GenServerError,
  CallTimeoutError,
  NoProcError,
  AlreadyStartedError,
  UnknownMessageError,
  CallingSelfError,
  ServerExitError,
  StopTimeoutError,
  TaskExitError,
  TaskTimeoutError,
  MailboxFullError,
  PayloadTooLargeError,
  StartTimeoutError,
  ChildStartError,
  ChildNotFoundError,
  ChildRunningError,
  DuplicateChildError,
  MaxChildrenError,
  AlreadyRegisteredError,
  MatchSpecError,
  BadReturnError,
  ArgumentError,
  DecoratorError,
  PayloadError,
  NodeDownError,
  RemoteError,
  ClassNameError,
} from './errors';
export { Observer, type ObserverOptions, type RunningObserver } from './observer/index';

// TypeScript declares every name above as `exports.X = void 0` and then turns most of them into
// getters (`export { X } from`). V8 answers that reconfiguration by putting the exports object in
// dictionary mode, where every `noreply(...)`, `reply(...)` or `GenServer.cast(...)` a user's code
// makes through this module is a hash lookup (about a sixth of a whole cast). A copy made by spreading
// is an ordinary fast object with the same names and values (all constant), marked as an ES module
// for interop as TypeScript's output is.
module.exports = Object.defineProperty({ ...exports }, '__esModule', { value: true });
