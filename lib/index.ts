export { GenServer, type ServerTarget, type StartOptions, type From } from './gen_server';
export { ServerRef } from './process/ref';
export { init, handleCall, handleCast, handleInfo, handleContinue, terminate, singleton } from './decorators';
export { reply, noreply, stop, ignore, type Reply, type NoReply, type Stop, type Ignore, type ReturnOptions } from './returns';
export { setLogger, consoleLogger, type Logger } from './logger';
export {
  GenServerError,
  CallTimeoutError,
  NoProcError,
  AlreadyStartedError,
  UnknownMessageError,
  CallingSelfError,
  ServerExitError,
  StopTimeoutError,
  BadReturnError,
  ArgumentError,
  DecoratorError,
} from './errors';
