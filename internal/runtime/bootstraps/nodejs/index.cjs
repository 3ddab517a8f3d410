// hako's runtime client for the nodejs*.x Lambda runtimes.
//
// Speaks the Lambda Runtime API 2018-06-01 at http://$AWS_LAMBDA_RUNTIME_API
// and behaves like AWS's Node.js runtime (aws-lambda-nodejs-runtime-interface-
// client): same handler resolution (CommonJS, ES modules, package.json
// "type"), callback / async / promise handlers, context object,
// callbackWaitsForEmptyEventLoop, error documents, console format and texts.
// Node's standard library only. CommonJS, so that a CommonJS function never
// pays for initialising the ES module loader (~6 ms of a cold start); ES
// module handlers are loaded with import().
//
// hako-specific input (removed from process.env before user code runs):
//   _LAMBDA_TELEMETRY_LOG_FD   as on AWS: console records go to this fd as frames

'use strict';

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const util = require('node:util');

// ---------------------------------------------------------------------------
// Errors (AWS's Errors.js)

function _isError(obj) {
  return (
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string'
  );
}

function intoError(err) {
  if (err instanceof Error) {
    return err;
  }
  return new Error(err);
}

function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || _isError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: error.toString(),
      trace: [],
    };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function _withEnumerableProperties(error) {
  if (error instanceof Error) {
    const ret = Object.assign(
      {
        errorType: error.name,
        errorMessage: error.message,
        code: error.code,
      },
      error,
    );
    if (typeof error.stack == 'string') {
      ret.stack = error.stack.split('\n');
    }
    return ret;
  }
  return error;
}

// For compatibility the formatted error always starts with a tab.
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => _withEnumerableProperties(v));
  } catch (err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class InvalidStreamingOperation extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const e of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  e.prototype.name = `Runtime.${e.name}`;
}

// ---------------------------------------------------------------------------
// Console (AWS's LogPatch.js): one write per record.

const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID_SYMBOL = Symbol.for('aws.lambda.runtime.tenantId');
const setCurrentRequestId = (id) => (globalThis[REQUEST_ID_SYMBOL] = id);
const setCurrentTenantId = (id) => (globalThis[TENANT_ID_SYMBOL] = id);

const jsonErrorReplacer = (_, value) => {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
};

function formatJsonMessage(requestId, timestamp, level, tenantId, ...messageParams) {
  const result = {
    timestamp: timestamp,
    level: level.name,
    requestId: requestId,
  };
  if (tenantId != undefined && tenantId != null) {
    result.tenantId = tenantId;
  }
  if (messageParams.length === 1) {
    result.message = messageParams[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...messageParams);
  for (const param of messageParams) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

const logTextToStdout = (level, message, ...params) => {
  const time = new Date().toISOString();
  const requestId = globalThis[REQUEST_ID_SYMBOL];
  let line = `${time}\t${requestId}\t${level.name}\t${util.format(message, ...params)}`;
  line = line.replace(/\n/g, '\r');
  process.stdout.write(line + '\n');
};

const logJsonToStdout = (level, message, ...params) => {
  const time = new Date().toISOString();
  let line = formatJsonMessage(
    globalThis[REQUEST_ID_SYMBOL],
    time,
    level,
    globalThis[TENANT_ID_SYMBOL],
    message,
    ...params,
  );
  line = line.replace(/\n/g, '\r');
  process.stdout.write(line + '\n');
};

function writeFrame(fd, type, date, text) {
  const msg = Buffer.from(text, 'utf8');
  const frame = Buffer.allocUnsafe(16 + msg.length);
  frame.writeUInt32BE(type >>> 0, 0);
  frame.writeUInt32BE(msg.length, 4);
  frame.writeBigInt64BE(BigInt(date.valueOf()) * 1000n, 8);
  msg.copy(frame, 16);
  let off = 0;
  while (off < frame.length) {
    off += fs.writeSync(fd, frame, off, frame.length - off);
  }
}

const logTextToFd = (fd) => (level, message, ...params) => {
  const date = new Date();
  const text = `${date.toISOString()}\t${globalThis[REQUEST_ID_SYMBOL]}\t${level.name}\t${util.format(
    message,
    ...params,
  )}\n`;
  writeFrame(fd, 0xa55a0003 | level.tlvMask, date, text);
};

const logJsonToFd = (fd) => (level, message, ...params) => {
  const date = new Date();
  const text = formatJsonMessage(
    globalThis[REQUEST_ID_SYMBOL],
    date.toISOString(),
    level,
    globalThis[TENANT_ID_SYMBOL],
    message,
    ...params,
  );
  writeFrame(fd, 0xa55a0002 | level.tlvMask, date, text);
};

const structuredConsole = {};

function patchConsole() {
  const jsonFormat = process.env['AWS_LAMBDA_LOG_FORMAT']?.toUpperCase() === 'JSON';
  let log;
  if (process.env['_LAMBDA_TELEMETRY_LOG_FD'] != null) {
    const fd = parseInt(process.env['_LAMBDA_TELEMETRY_LOG_FD']);
    delete process.env['_LAMBDA_TELEMETRY_LOG_FD'];
    log = jsonFormat ? logJsonToFd(fd) : logTextToFd(fd);
  } else {
    log = jsonFormat ? logJsonToStdout : logTextToStdout;
  }

  const NopLog = (_message, ..._params) => {};
  const levels = Object.freeze({
    TRACE: { name: 'TRACE', priority: 1, tlvMask: 0b00100 },
    DEBUG: { name: 'DEBUG', priority: 2, tlvMask: 0b01000 },
    INFO: { name: 'INFO', priority: 3, tlvMask: 0b01100 },
    WARN: { name: 'WARN', priority: 4, tlvMask: 0b10000 },
    ERROR: { name: 'ERROR', priority: 5, tlvMask: 0b10100 },
    FATAL: { name: 'FATAL', priority: 6, tlvMask: 0b11000 },
  });
  const min = levels[process.env['AWS_LAMBDA_LOG_LEVEL']?.toUpperCase()] ?? levels.TRACE;
  const make = (level) =>
    level.priority >= min.priority ? (msg, ...params) => log(level, msg, ...params) : NopLog;
  console.trace = make(levels.TRACE);
  console.debug = make(levels.DEBUG);
  console.info = make(levels.INFO);
  console.log = console.info;
  console.warn = make(levels.WARN);
  console.error = make(levels.ERROR);
  console.fatal = (msg, ...params) => log(levels.FATAL, msg, ...params);

  structuredConsole.logError = jsonFormat
    ? (_, err) => console.error(intoError(err))
    : (msg, err) => console.error(msg, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------------------
// Runtime API client: one keep-alive HTTP/1.1 connection over node:net. The
// socket is unref'd while no request is in flight, so it never keeps the event
// loop alive (callbackWaitsForEmptyEventLoop depends on that).

class Conn {
  constructor(hostPort) {
    const i = hostPort.lastIndexOf(':');
    let host = i >= 0 ? hostPort.slice(0, i) : hostPort;
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    this.host = host || '127.0.0.1';
    this.port = i >= 0 ? parseInt(hostPort.slice(i + 1), 10) : 80;
    this.hostPort = hostPort;
    this.sock = null;
    this.busy = false;
  }

  // request resolves to {status, headers (lower-case keys), body (Buffer)}.
  request(method, p, headers, body) {
    if (this.busy) {
      // A second request while one is in flight (e.g. an error posted from
      // an uncaught exception while waiting for /next): its own connection.
      return new Conn(this.hostPort).request(method, p, headers, body);
    }
    this.busy = true;
    let head = `${method} ${p} HTTP/1.1\r\nHost: ${this.hostPort}\r\nUser-Agent: hako-lambda-nodejs/${process.version}\r\n`;
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    if (payload !== undefined) head += `Content-Length: ${payload.length}\r\n`;
    for (const [k, v] of Object.entries(headers || {})) {
      head += `${k}: ${String(v).replace(/[\r\n]/g, ' ')}\r\n`;
    }
    head += '\r\n';
    const data = payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : Buffer.from(head, 'latin1');
    return this._attempt(data, true).finally(() => {
      this.busy = false;
    });
  }

  _attempt(data, mayRetry) {
    const fresh = this.sock === null;
    if (fresh) {
      this.sock = net.connect({ host: this.host, port: this.port });
      const s = this.sock;
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => {
        if (this.sock === s) this.sock = null;
      });
    }
    const sock = this.sock;
    sock.ref();
    return new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0); // the part not yet parsed
      const bodyChunks = []; // Content-Length body: chunks, joined once complete
      let bodyLen = 0;
      let got = false;
      let head = null;
      const cleanup = () => {
        sock.removeListener('data', onData);
        sock.removeListener('close', onClose);
        sock.removeListener('error', onError);
      };
      const fail = (err) => {
        cleanup();
        sock.destroy();
        if (this.sock === sock) this.sock = null;
        if (!fresh && !got && mayRetry) {
          this._attempt(data, false).then(resolve, reject);
        } else {
          reject(err);
        }
      };
      const onError = (err) => fail(err);
      const onClose = () => fail(new Error('Runtime API closed the connection'));
      const done = (status, headers, body) => {
        cleanup();
        if ((headers['connection'] || '').toLowerCase() === 'close') {
          sock.destroy();
          if (this.sock === sock) this.sock = null;
        } else {
          sock.unref();
        }
        resolve({ status, headers, body });
      };
      const onData = (chunk) => {
        got = true;
        if (head === null) {
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
          const i = buf.indexOf('\r\n\r\n');
          if (i < 0) return;
          const lines = buf.subarray(0, i).toString('latin1').split('\r\n');
          const headers = {};
          for (const line of lines.slice(1)) {
            const c = line.indexOf(':');
            if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
          }
          const chunked = (headers['transfer-encoding'] || '').toLowerCase().includes('chunked');
          const len = headers['content-length'] !== undefined ? parseInt(headers['content-length'], 10) : 0;
          head = { status: parseInt(lines[0].split(' ')[1], 10), headers, chunked, len };
          chunk = buf.subarray(i + 4);
          buf = Buffer.alloc(0);
        }
        if (!head.chunked) {
          bodyChunks.push(chunk);
          bodyLen += chunk.length;
          if (bodyLen >= head.len) {
            done(head.status, head.headers, Buffer.concat(bodyChunks, bodyLen).subarray(0, head.len));
          }
          return;
        }
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        const parts = [];
        let off = 0;
        for (;;) {
          const e = buf.indexOf('\r\n', off);
          if (e < 0) return;
          const n = parseInt(buf.subarray(off, e).toString('latin1').split(';')[0].trim(), 16);
          if (n === 0) {
            // Trailers end with an empty line.
            let t = e + 2;
            for (;;) {
              const te = buf.indexOf('\r\n', t);
              if (te < 0) return;
              if (te === t) return done(head.status, head.headers, Buffer.concat(parts));
              t = te + 2;
            }
          }
          if (buf.length < e + 2 + n + 2) return;
          parts.push(buf.subarray(e + 2, e + 2 + n));
          off = e + 2 + n + 2;
        }
      };
      sock.on('data', onData);
      sock.on('close', onClose);
      sock.on('error', onError);
      sock.write(data);
    });
  }
}

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

function _trySerializeResponse(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch (err) {
    throw new Error('Unable to stringify response body');
  }
}

class RAPIDClient {
  constructor(hostPort) {
    this.hostPort = hostPort;
    this.conn = new Conn(hostPort);
  }

  async _post(p, body, headers, callback) {
    let res;
    try {
      res = await this.conn.request('POST', p, headers, body);
    } catch (err) {
      console.error(`Failed to post to Lambda Runtime '${p}':`, err);
      process.exit(130);
    }
    if (res.status !== 202) {
      console.error(`Request to Lambda Runtime '${p}' endpoint failed. Reason: '${res.status}'. Response body: '${res.body}'`);
    }
    if (callback) callback();
  }

  postInvocationResponse(response, id, callback) {
    const bodyString = _trySerializeResponse(response);
    this._post(
      `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
      bodyString,
      { 'Content-Type': 'application/json' },
      callback,
    );
  }

  postInvocationError(error, id, callback) {
    const response = toRapidResponse(error);
    const bodyString = _trySerializeResponse(response);
    this._post(
      `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
      bodyString,
      { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: response.errorType },
      callback,
    );
  }

  postInitError(error, callback) {
    const response = toRapidResponse(error);
    this._post(
      '/2018-06-01/runtime/init/error',
      _trySerializeResponse(response),
      { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: response.errorType },
      callback,
    );
  }

  async nextInvocation() {
    const res = await this.conn.request('GET', '/2018-06-01/runtime/invocation/next');
    if (res.status !== 200) {
      throw new Error(`Failed to get next invocation: HTTP ${res.status}: ${res.body}`);
    }
    return { bodyJson: res.body.toString('utf8'), headers: res.headers };
  }

  // Response streaming (awslambda.streamifyResponse): a chunked POST with
  // Lambda-Runtime-Function-Response-Mode: streaming; errors go in trailers.
  getStreamForInvocationResponse(id, callback, options) {
    const http = require('node:http');
    const i = this.hostPort.lastIndexOf(':');
    let status = 'ready';
    let doneResolve, doneReject;
    const responseDone = new Promise((resolve, reject) => {
      doneResolve = resolve;
      doneReject = reject;
    });
    const req = http.request({
      method: 'POST',
      hostname: this.hostPort.slice(0, i),
      port: parseInt(this.hostPort.slice(i + 1), 10),
      path: `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
      headers: {
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        Trailer: [ERROR_TYPE_HEADER, 'Lambda-Runtime-Function-Error-Body'],
        'Content-Type': 'application/octet-stream',
      },
      highWaterMark: options?.highWaterMark,
    });
    req.on('response', (res) => {
      res.on('data', () => {});
      res.on('end', () => doneResolve());
    });
    req.on('error', (err) => doneReject(err));
    req.setContentType = (contentType) => {
      if (status !== 'ready') {
        throw new InvalidStreamingOperation('Cannot set content-type, too late.');
      }
      req.setHeader('Content-Type', contentType);
    };
    const origWrite = req.write.bind(req);
    req.write = function (chunk, encoding, cb) {
      if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && chunk?.constructor !== Uint8Array) {
        chunk = JSON.stringify(chunk);
      }
      if (status === 'ready' && typeof this._onBeforeFirstWrite === 'function') {
        this._onBeforeFirstWrite((ch) => origWrite(ch));
      }
      status = 'written';
      return origWrite(chunk, encoding, cb);
    };
    req.fail = (err, cb) => {
      const error = toRapidResponse(err);
      req.addTrailers({
        [ERROR_TYPE_HEADER]: error.errorType,
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(error)).toString('base64'),
      });
      req.end(cb);
    };
    return { request: req, responseDone: responseDone.then(() => callback && callback()) };
  }
}

// ---------------------------------------------------------------------------
// Loading the handler (AWS's UserFunction.js)

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
const RELATIVE_PATH_SUBSTRING = '..';
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const METADATA_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

function _moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  return [moduleRoot, handlerString];
}

function _splitHandlerString(handler) {
  const match = handler.match(FUNCTION_EXPR);
  if (!match || match.length != 3) {
    throw new MalformedHandlerName('Bad handler');
  }
  return [match[1], match[2]];
}

function _resolveHandler(object, nestedProperty) {
  return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
}

function _tryRequireFile(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? require(p) : undefined;
}

async function _tryAwaitImport(file, extension) {
  const p = file + (extension || '');
  if (fs.existsSync(p)) {
    return await import(p);
  }
  return undefined;
}

function _hasFolderPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) {
    return false;
  }
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) {
        return pkg.type === 'module';
      }
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') {
    return false;
  }
  return _hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
}

function _hasPackageJsonTypeModule(file) {
  const jsPath = file + '.js';
  return fs.existsSync(jsPath) ? _hasFolderPackageJsonTypeModule(path.resolve(path.dirname(jsPath))) : false;
}

async function _tryRequire(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);

  const extensionless = _tryRequireFile(lambdaStylePath);
  if (extensionless) {
    return extensionless;
  }

  const pjHasModule = _hasPackageJsonTypeModule(lambdaStylePath);
  if (!pjHasModule) {
    const loaded = _tryRequireFile(lambdaStylePath, '.js');
    if (loaded) {
      return loaded;
    }
  }

  const loaded =
    (pjHasModule && (await _tryAwaitImport(lambdaStylePath, '.js'))) ||
    (await _tryAwaitImport(lambdaStylePath, '.mjs')) ||
    _tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) {
    return loaded;
  }

  const nodeStylePath = require.resolve(module, { paths: [appRoot, moduleRoot] });
  return require(nodeStylePath);
}

async function _loadUserApp(appRoot, moduleRoot, module) {
  const noGlobal =
    process.env['AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA'] === '1' ||
    process.env['AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA'] === 'true';
  if (!noGlobal) {
    globalThis.awslambda = {
      streamifyResponse: (handler, options) => {
        handler[HANDLER_STREAMING] = STREAM_RESPONSE;
        if (typeof options?.highWaterMark === 'number') {
          handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
        }
        return handler;
      },
      HttpResponseStream: HttpResponseStream,
    };
  }
  try {
    return await _tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new UserCodeSyntaxError(e);
    } else if (e.code !== undefined && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(e);
    } else {
      throw e;
    }
  }
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes(RELATIVE_PATH_SUBSTRING)) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const [moduleRoot, moduleAndHandler] = _moduleRootAndHandler(fullHandlerString);
  const [module, handlerPath] = _splitHandlerString(moduleAndHandler);
  const userApp = await _loadUserApp(appRoot, moduleRoot, module);
  const handlerFunc = _resolveHandler(userApp, handlerPath);
  if (!handlerFunc) {
    throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  }
  if (typeof handlerFunc !== 'function') {
    throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  }
  return handlerFunc;
}

function getHandlerMetadata(handlerFunc) {
  let streaming = false;
  const s = handlerFunc[HANDLER_STREAMING];
  if (s !== undefined && s !== null && s !== false) {
    if (s !== STREAM_RESPONSE) {
      throw new MalformedStreamingHandler('Only response streaming is supported.');
    }
    streaming = STREAM_RESPONSE;
  }
  const hwm = parseInt(handlerFunc[HANDLER_HIGHWATERMARK]);
  let isAsync = false;
  try {
    isAsync = handlerFunc.constructor?.name === 'AsyncFunction';
  } catch (_) {}
  return {
    streaming,
    highWaterMark: isNaN(hwm) ? undefined : hwm,
    isAsync,
    argsNum: handlerFunc.length,
  };
}

// ---------------------------------------------------------------------------
// beforeExit listener (AWS's BeforeExitListener.js)

const LISTENER_SYMBOL = Symbol.for('aws.lambda.beforeExit');
const NO_OP_LISTENER = () => {};
const BeforeExitListener = {
  invoke: () => globalThis[LISTENER_SYMBOL](),
  reset: () => (globalThis[LISTENER_SYMBOL] = NO_OP_LISTENER),
  set: (listener) => (globalThis[LISTENER_SYMBOL] = listener),
};

// ---------------------------------------------------------------------------
// Context (AWS's CallbackContext.js and InvokeContext.js)

function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, callback) => {
    structuredConsole.logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };

  let isCompleteInvoked = false;
  const complete = (result, callback) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(result, id, callback);
  };

  let waitForEmptyEventLoop = true;

  const callback = function (err, result) {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      BeforeExitListener.set(() => {
        setImmediate(() => {
          complete(result, scheduleNext);
        });
      });
    }
  };

  const done = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  const succeed = (result) => {
    done(null, result);
  };
  const fail = (err) => {
    if (err === undefined || err === null) {
      done('handled');
    } else {
      done(err, null);
    }
  };

  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: succeed,
    fail: fail,
    done: done,
  };

  // Only the first call to any of callback/succeed/fail/done counts.
  let finished = false;
  const onlyAllowFirstCall = (toWrap) =>
    function () {
      if (!finished) {
        toWrap.apply(null, arguments);
        finished = true;
      }
    };
  callbackContext.succeed = onlyAllowFirstCall(callbackContext.succeed);
  callbackContext.fail = onlyAllowFirstCall(callbackContext.fail);
  callbackContext.done = onlyAllowFirstCall(callbackContext.done);

  return [
    onlyAllowFirstCall(callback),
    callbackContext,
    () => {
      isCompleteInvoked = true;
    },
  ];
}

function _parseJson(jsonString, name) {
  if (jsonString !== undefined) {
    try {
      return JSON.parse(jsonString);
    } catch (err) {
      throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
    }
  }
  return undefined;
}

class InvokeContext {
  constructor(headers) {
    this.headers = headers; // keys are lower-case
  }

  get invokeId() {
    const id = this.headers['lambda-runtime-aws-request-id'];
    if (!id) throw new Error('invocation id is missing or invalid');
    return id;
  }

  updateLoggingContext() {
    setCurrentRequestId(this.invokeId);
    setCurrentTenantId(this.headers['lambda-runtime-aws-tenant-id']);
  }

  attachEnvironmentData(callbackContext) {
    const trace = this.headers['lambda-runtime-trace-id'];
    if (trace) {
      process.env['_X_AMZN_TRACE_ID'] = trace;
    } else {
      delete process.env['_X_AMZN_TRACE_ID'];
    }
    const deadline = this.headers['lambda-runtime-deadline-ms'];
    return Object.assign(
      callbackContext,
      {
        functionVersion: process.env['AWS_LAMBDA_FUNCTION_VERSION'],
        functionName: process.env['AWS_LAMBDA_FUNCTION_NAME'],
        memoryLimitInMB: process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'],
        logGroupName: process.env['AWS_LAMBDA_LOG_GROUP_NAME'],
        logStreamName: process.env['AWS_LAMBDA_LOG_STREAM_NAME'],
      },
      {
        clientContext: _parseJson(this.headers['lambda-runtime-client-context'], 'ClientContext'),
        identity: _parseJson(this.headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
        invokedFunctionArn: this.headers['lambda-runtime-invoked-function-arn'],
        awsRequestId: this.headers['lambda-runtime-aws-request-id'],
        tenantId: this.headers['lambda-runtime-aws-tenant-id'],
        getRemainingTimeInMillis: function () {
          return deadline - Date.now();
        },
      },
    );
  }
}

// ---------------------------------------------------------------------------
// The loop (AWS's Runtime.js)

function _isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

class Runtime {
  constructor(client, handler, handlerMetadata, errorCallbacks) {
    this.client = client;
    this.handler = handler;
    this.handlerMetadata = handlerMetadata;
    this.errorCallbacks = errorCallbacks;
    this.handleOnce =
      handlerMetadata.streaming === STREAM_RESPONSE ? this.handleOnceStreaming : this.handleOnceNonStreaming;
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnceNonStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();

    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      invokeContext.invokeId,
      this.scheduleIteration.bind(this),
    );

    try {
      this._setErrorCallbacks(invokeContext.invokeId);
      this._setDefaultExitListener(invokeContext.invokeId, markCompleted, this.handlerMetadata.isAsync);

      const result = this.handler(JSON.parse(bodyJson), invokeContext.attachEnvironmentData(callbackContext), callback);

      if (_isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  async handleOnceStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;

    let waitForEmptyEventLoop = true;
    const streamingContext = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
    };
    const next = this.scheduleIteration.bind(this);
    const scheduleNext = () => {
      BeforeExitListener.reset();
      if (!waitForEmptyEventLoop) {
        next();
      } else {
        BeforeExitListener.set(() => setImmediate(next));
      }
    };
    const { request: responseStream, responseDone } = this.client.getStreamForInvocationResponse(
      id,
      undefined,
      this.handlerMetadata.highWaterMark ? { highWaterMark: this.handlerMetadata.highWaterMark } : undefined,
    );
    const fail = (err) => {
      structuredConsole.logError('Invoke Error', err);
      responseStream.fail(err, () => responseDone.then(scheduleNext, scheduleNext));
    };

    try {
      this._setErrorCallbacks(id);
      BeforeExitListener.set(() => this.scheduleIteration());
      const ctx = invokeContext.attachEnvironmentData(streamingContext);
      const handlerResult = this.handler(JSON.parse(bodyJson), responseStream, ctx);
      if (!_isPromise(handlerResult)) {
        fail('Streaming does not support non-async handlers.');
        return;
      }
      const result = await handlerResult;
      if (typeof result !== 'undefined') {
        console.warn('Streaming handlers ignore return values.');
      }
      if (!responseStream.writableFinished) {
        await new Promise((resolve) => {
          if (responseStream.writableEnded) responseStream.once('finish', resolve);
          else resolve();
        });
      }
      if (!responseStream.writableFinished) {
        fail('Response stream is not finished.');
        return;
      }
      await responseDone;
      scheduleNext();
    } catch (err) {
      fail(err);
    }
  }

  _setErrorCallbacks(invokeId) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(error, invokeId, () => {
        process.exit(129);
      });
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(error, invokeId, () => {
        process.exit(128);
      });
    };
  }

  _setDefaultExitListener(invokeId, markCompleted, isAsync) {
    BeforeExitListener.set(() => {
      markCompleted();
      if (isAsync) {
        const nodeJsExitError = new NodeJsExit();
        structuredConsole.logError('Invoke Error', nodeJsExitError);
        this.client.postInvocationError(nodeJsExitError, invokeId, () => this.scheduleIteration());
      } else {
        this.client.postInvocationResponse(null, invokeId, () => this.scheduleIteration());
      }
    });
  }
}

// ---------------------------------------------------------------------------
// Entry point (AWS's index.mjs run())

patchConsole();
const client = new RAPIDClient(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');

const errorCallbacks = {
  uncaughtException: (error) => {
    client.postInitError(error, () => process.exit(129));
  },
  unhandledRejection: (error) => {
    client.postInitError(error, () => process.exit(128));
  },
};

process.on('uncaughtException', (error) => {
  structuredConsole.logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});

process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  structuredConsole.logError('Unhandled Promise Rejection', error);
  errorCallbacks.unhandledRejection(error);
});

BeforeExitListener.reset();
process.on('beforeExit', BeforeExitListener.invoke);

(async () => {
  let handlerFunc, metadata;
  try {
    const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
    handlerFunc = await loadHandler(appRoot, process.env._HANDLER || process.argv[2] || '');
    metadata = getHandlerMetadata(handlerFunc);
  } catch (error) {
    // What an uncaught exception during init does on AWS: log, post
    // /init/error, exit 129.
    structuredConsole.logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
    return;
  }
  new Runtime(client, handlerFunc, metadata, errorCallbacks).scheduleIteration();
})();
