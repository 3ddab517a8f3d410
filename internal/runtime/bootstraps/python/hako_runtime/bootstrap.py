"""hako's runtime client for the python3.x Lambda runtimes (started by ../bootstrap.py).

Speaks the Lambda Runtime API 2018-06-01 at http://$AWS_LAMBDA_RUNTIME_API and
behaves like AWS's Python runtime (awslambdaric): same handler resolution,
context object, error documents, log formats and texts. Standard library only;
runs on CPython 3.9 and later.

hako-specific inputs (removed from os.environ before user code runs):
  _HAKO_OPT_DIR              where the function's layers are (AWS: /opt)
  _LAMBDA_TELEMETRY_LOG_FD   as on AWS: log records go to this fd as frames
"""

import os
import sys
import time

import _socket

_OPT_DIR = os.environ.pop("_HAKO_OPT_DIR", None) or "/opt"
_TELEMETRY_FD = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
_EXEC_ENV = os.environ.get("AWS_EXECUTION_ENV", "")

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as AWS indents stack frames
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_LOG_FORMAT_JSON = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
_LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(
    os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL")
).upper()

# Frame types of AWS's telemetry log protocol (text and JSON, per level).
_TEXT_FRAME = {0: 0xA55A0003, 10: 0xA55A000B, 20: 0xA55A000F, 30: 0xA55A0013, 40: 0xA55A0017, 50: 0xA55A001B}
_JSON_FRAME = {0: 0xA55A0002, 10: 0xA55A000A, 20: 0xA55A000E, 30: 0xA55A0012, 40: 0xA55A0016, 50: 0xA55A001A}
_DEFAULT_FRAME = _TEXT_FRAME[0]
_ERROR_FRAME = (_JSON_FRAME if _LOG_FORMAT_JSON else _TEXT_FRAME)[40]

LAMBDA_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

_GLOBAL_AWS_REQUEST_ID = None
_GLOBAL_TENANT_ID = None


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---------------------------------------------------------------------------
# Log sink: one write per record, to the telemetry fd (AWS's framing) or to
# stdout (embedded newlines become \r, as AWS's runtime clients do there, so
# every record is exactly one line).


def _write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]


def _flush_std():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass


if _TELEMETRY_FD is not None:
    _LOG_FD = int(_TELEMETRY_FD)

    def _sink_log(msg, frame_type=None):
        data = msg.encode("utf-8", "surrogatepass")
        header = (
            (frame_type or _DEFAULT_FRAME).to_bytes(4, "big")
            + len(data).to_bytes(4, "big")
            + (time.time_ns() // 1000).to_bytes(8, "big")
        )
        _write_all(_LOG_FD, header + data)

    def _sink_log_error(lines):
        _sink_log("\n".join(lines), _ERROR_FRAME)

else:
    _LOG_FD = None

    def _sink_log(msg, frame_type=None):
        if msg.endswith("\n"):
            msg = msg[:-1].replace("\n", "\r") + "\n"
        else:
            msg = msg.replace("\n", "\r")
        _flush_std()
        _write_all(1, msg.encode("utf-8", "surrogatepass"))

    def _sink_log_error(lines):
        _flush_std()
        _write_all(1, (ERROR_LOG_LINE_TERMINATE.join(lines) + "\n").encode("utf-8", "surrogatepass"))


class _LogSink(object):
    """What AWS's logging handler exposes as .log_sink (used by context.log)."""

    def log(self, msg, frame_type=None):
        _sink_log(msg, frame_type)

    def log_error(self, message_lines):
        _sink_log_error(message_lines)


_LOG_SINK = _LogSink()


# ---------------------------------------------------------------------------
# JSON


_ENSURE_ASCII = _EXEC_ENV not in (
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
)
if not _EXEC_ENV.startswith("AWS_Lambda_python"):
    _ENSURE_ASCII = sys.version_info < (3, 12)

_json = None


def _json_mod():
    global _json
    if _json is None:
        import json

        _json = json
    return _json


def to_json(obj):
    """json.dumps as AWS's marshaller does it (Decimal as a raw number, NaN allowed)."""
    raws = []

    def default(o):
        dec = sys.modules.get("decimal")
        if dec is not None and isinstance(o, dec.Decimal):
            if o.is_nan():
                return float("nan")
            raws.append(str(o))
            return "\x00hako-raw-%d\x00" % (len(raws) - 1)
        raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)

    s = _json_mod().dumps(obj, default=default, ensure_ascii=_ENSURE_ASCII, allow_nan=True)
    for i, raw in enumerate(raws):
        s = s.replace('"\\u0000hako-raw-%d\\u0000"' % i, raw, 1)
    return s


def unmarshal_request(body, content_type):
    if content_type and content_type != "application/json":
        return body
    try:
        return _json_mod().loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None)


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8", "surrogatepass"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)


# ---------------------------------------------------------------------------
# Runtime API client: one keep-alive HTTP/1.1 connection, standard library
# _socket only (http.client costs ~10 ms of imports at cold start).


class RuntimeAPIError(Exception):
    pass


class _Conn(object):
    def __init__(self, addr):
        self.addr = addr
        host, _, port = addr.rpartition(":")
        if not host:
            host, port = addr, "80"
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        self.host = host
        self.port = int(port)
        self.sock = None
        self.buf = bytearray()
        self.ua = "hako-lambda-python/%d.%d.%d" % sys.version_info[:3]

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buf = bytearray()

    def _connect(self):
        err = None
        host = self.host
        try:
            host = host.encode("ascii")  # a str host costs an import of the idna codec
        except UnicodeError:
            pass
        for fam, typ, proto, _, sa in _socket.getaddrinfo(host, self.port, 0, _socket.SOCK_STREAM):
            s = _socket.socket(fam, typ, proto)
            try:
                s.connect(sa)
            except OSError as e:
                s.close()
                err = e
                continue
            try:
                s.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            except OSError:
                pass
            self.sock = s
            self.buf = bytearray()
            return
        raise err or OSError("cannot connect to " + self.addr)

    def request(self, method, path, body=b"", headers=None):
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n" % (method, path, self.addr, self.ua)
        if method != "GET":
            head += "Content-Length: %d\r\n" % len(body)
        if headers:
            for k, v in headers.items():
                head += "%s: %s\r\n" % (k, str(v).replace("\r", " ").replace("\n", " "))
        data = (head + "\r\n").encode("utf-8", "surrogatepass") + body
        for attempt in (0, 1):
            fresh = self.sock is None
            if fresh:
                self._connect()
            got = [False]
            try:
                self.sock.sendall(data)
                return self._read_response(got)
            except OSError:
                self.close()
                # A reused keep-alive connection the server had closed: retry
                # once on a new one, but only if nothing came back.
                if fresh or attempt or got[0]:
                    raise

    def _recv(self, got):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionResetError("Runtime API closed the connection")
        got[0] = True
        self.buf += chunk

    def _read_response(self, got):
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            self._recv(got)
        head = self.buf[:i].decode("latin-1")
        del self.buf[: i + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if "chunked" in hdrs.get("transfer-encoding", "").lower():
            body = self._read_chunked(got)
        elif "content-length" in hdrs:
            n = int(hdrs["content-length"])
            while len(self.buf) < n:
                self._recv(got)
            body = bytes(self.buf[:n])
            del self.buf[:n]
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            while True:
                try:
                    self._recv(got)
                except ConnectionResetError:
                    break
            body = bytes(self.buf)
            self.close()
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return status, hdrs, body

    def _read_chunked(self, got):
        out = []
        while True:
            line = self._line(got)
            n = int(line.split(b";", 1)[0].strip(), 16)
            if n == 0:
                while self._line(got):  # trailers, then the empty line
                    pass
                return b"".join(out)
            while len(self.buf) < n + 2:
                self._recv(got)
            out.append(bytes(self.buf[:n]))
            del self.buf[: n + 2]

    def _line(self, got):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            self._recv(got)


def _quote(s):
    safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    if all(c in safe for c in s):
        return s
    return "".join(c if c in safe else "".join("%%%02X" % b for b in c.encode("utf-8")) for c in s)


class LambdaRuntimeClient(object):
    def __init__(self, addr):
        self.conn = _Conn(addr)

    def _post(self, path, body, headers):
        status, _, resp = self.conn.request("POST", path, body, headers)
        if status != 202:
            raise RuntimeAPIError(
                "Request to Lambda Runtime '{}' endpoint failed. Reason: '{}'. Response body: '{}'".format(path, status, resp)
            )

    def wait_next_invocation(self):
        status, hdrs, body = self.conn.request("GET", "/2018-06-01/runtime/invocation/next")
        if status != 200:
            raise RuntimeAPIError("Failed to get next invocation: HTTP {}: {!r}".format(status, body))
        return hdrs, body

    def post_invocation_result(self, invoke_id, result, content_type):
        self._post("/2018-06-01/runtime/invocation/%s/response" % _quote(invoke_id), result, {"Content-Type": content_type})

    def post_invocation_error(self, invoke_id, error_result):
        self._post(
            "/2018-06-01/runtime/invocation/%s/error" % _quote(invoke_id),
            to_json(error_result).encode("utf-8", "surrogatepass"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error_result["errorType"]},
        )

    def post_init_error(self, error_result):
        self._post(
            "/2018-06-01/runtime/init/error",
            to_json(error_result).encode("utf-8", "surrogatepass"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error_result["errorType"]},
        )


# ---------------------------------------------------------------------------
# Context object, attribute for attribute as AWS's LambdaContext.


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)

        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        epoch_now_in_ms = int(time.time() * 1000)
        delta_ms = self._epoch_deadline_time_in_ms - epoch_now_in_ms
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        _LOG_SINK.log(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return f"{self.__class__.__name__}([" f"custom={self.custom}," f"env={self.env}," f"client={self.client}" "])"


def make_obj_from_dict(_class, _dict, fields=None):
    if _dict is None:
        return None
    obj = _class()
    for field in fields or obj.__class__.__slots__:
        setattr(obj, field, _dict.get(field, None))
    return obj


def parse_json_header(header, name):
    try:
        return _json_mod().loads(header)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


def create_lambda_context(client_context_json, cognito_identity_json, deadline_ms, invoke_id, invoked_function_arn, tenant_id):
    client_context = None
    if client_context_json:
        client_context = parse_json_header(client_context_json, "Client Context")
    cognito_identity = None
    if cognito_identity_json:
        cognito_identity = parse_json_header(cognito_identity_json, "Cognito Identity")
    return LambdaContext(invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id)


# ---------------------------------------------------------------------------
# logging: configured like AWS (root handler, format, UTC, AWS_LAMBDA_LOG_LEVEL,
# AWS_LAMBDA_LOG_FORMAT=JSON). The logging package costs several ms to import,
# so it is configured the moment anything imports it (usually the function's
# own `import logging`), not before.

_logging_ready = False


def _setup_logging(logging):
    global _logging_ready
    if _logging_ready:
        return
    _logging_ready = True
    import traceback

    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()

    def _format_log_level(record):
        return min(50, max(0, record.levelno)) // 10 * 10

    class LambdaLoggerHandler(logging.Handler):
        def __init__(self, log_sink):
            logging.Handler.__init__(self)
            self.log_sink = log_sink

        def emit(self, record):
            msg = self.format(record)
            self.log_sink.log(msg)

    class LambdaLoggerHandlerWithFrameType(logging.Handler):
        def __init__(self, log_sink):
            super().__init__()
            self.log_sink = log_sink

        def emit(self, record):
            self.log_sink.log(
                self.format(record),
                frame_type=(getattr(record, "_frame_type", None) or _TEXT_FRAME.get(_format_log_level(record))),
            )

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _GLOBAL_AWS_REQUEST_ID or ""
            record.tenant_id = _GLOBAL_TENANT_ID
            return True

    _RESERVED_FIELDS = {
        "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
        "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
        "relativeCreated", "thread", "threadName", "processName", "process",
        "aws_request_id", "tenant_id", "_frame_type",
    }  # fmt: skip

    class JsonFormatter(logging.Formatter):
        def __init__(self):
            super().__init__(datefmt=_DATETIME_FORMAT)

        def format(self, record):
            record.levelno = _format_log_level(record)
            record.levelname = logging.getLevelName(record.levelno)
            record._frame_type = _JSON_FRAME.get(record.levelno, _JSON_FRAME[0])
            exc_info = record.exc_info
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
                "errorType": exc_info[0].__name__ if exc_info else None,
                "errorMessage": str(exc_info[1]) if exc_info else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            result.update(
                (key, value) for key, value in record.__dict__.items() if key not in _RESERVED_FIELDS and key not in result
            )
            result = {k: v for k, v in result.items() if v is not None}
            return _json_mod().dumps(result, ensure_ascii=False, default=str) + "\n"

    if _LOG_FORMAT_JSON or _LOG_LEVEL:
        handler = LambdaLoggerHandlerWithFrameType(_LOG_SINK)
    else:
        handler = LambdaLoggerHandler(_LOG_SINK)
    if _LOG_FORMAT_JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    if _LOG_LEVEL in logging._nameToLevel:
        logger.setLevel(_LOG_LEVEL)
    handler.addFilter(LambdaLoggerFilter())
    logger.addHandler(handler)


class _LoggingHook(object):
    """A meta path finder that configures `logging` right after it is imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging" or _logging_ready:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        orig = loader.exec_module

        def exec_module(module):
            orig(module)
            _setup_logging(module)
            try:
                sys.meta_path.remove(hook)
            except ValueError:
                pass

        hook = self

        try:
            loader.exec_module = exec_module
        except (AttributeError, TypeError):
            return spec
        return spec


def _install_logging():
    if "logging" in sys.modules:
        _setup_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingHook())


def _logging():
    import logging

    _setup_logging(logging)
    return logging


# ---------------------------------------------------------------------------
# Errors


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def replace_line_indentation(line, indent_char, new_indent_char):
    ident_chars_count = 0
    for c in line:
        if c != indent_char:
            break
        ident_chars_count += 1
    return (new_indent_char * ident_chars_count) + line[ident_chars_count:]


def log_error(error_result):
    if _LOG_FORMAT_JSON:
        error_result = {
            "timestamp": time.strftime(_DATETIME_FORMAT, time.gmtime(time.time())),
            "log_level": "ERROR",
            **error_result,
        }
        _sink_log_error([to_json(error_result)])
        return
    error_description = "[ERROR]"
    error_result_type = error_result.get("errorType")
    if error_result_type:
        error_description += " " + error_result_type
    error_result_message = error_result.get("errorMessage")
    if error_result_message:
        if error_result_type:
            error_description += ":"
        error_description += " " + error_result_message
    error_message_lines = [error_description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        error_message_lines += ["Traceback (most recent call last):"]
        for trace_element in stack_trace:
            if trace_element == "":
                error_message_lines += [""]
            else:
                for trace_line in trace_element.splitlines():
                    error_message_lines += [replace_line_indentation(trace_line, " ", ERROR_LOG_IDENT)]
    _sink_log_error(error_message_lines)


def _user_frames(tb):
    import traceback

    tb_tuples = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(tb_tuples)):
        if "/bootstrap.py" not in tb_tuples[i][0]:
            tb_tuples = tb_tuples[i:]
            break
    return traceback.format_list(tb_tuples)


def build_fault_result(exc_info, msg):
    etype, value, tb = exc_info
    return make_error(msg if msg else str(value), etype.__name__, _user_frames(tb))


# ---------------------------------------------------------------------------
# Handler resolution (AWS's _get_handler, text for text)


def _get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))

    import importlib

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        m = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e)))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, str(e)), trace
        )

    try:
        request_handler = getattr(m, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None
        )
    return request_handler


def _set_sys_path(task_root):
    """sys.path and PYTHONPATH as AWS's bootstrap.py sets them."""
    pythonpath_set = "PYTHONPATH" in os.environ
    opt_site = os.path.join(_OPT_DIR, "python", "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    opt_python = os.path.join(_OPT_DIR, "python")
    if not pythonpath_set:
        sys.path.insert(0, opt_python)
        sys.path.insert(0, opt_site)
    sys.path.insert(0, task_root)
    site = sys.modules.get("site")
    if site is None:
        import site
    site.addsitedir(task_root)
    if not pythonpath_set:
        site.addsitedir(opt_site)
        site.addsitedir(opt_python)
        runtime_dir = os.environ.get("LAMBDA_RUNTIME_DIR")
        if runtime_dir:
            os.environ["PYTHONPATH"] = runtime_dir


# ---------------------------------------------------------------------------
# The loop


def handle_event_request(client, request_handler, hdrs, body):
    invoke_id = hdrs.get("lambda-runtime-aws-request-id", "")
    error_result = None
    try:
        deadline = hdrs.get("lambda-runtime-deadline-ms")
        lambda_context = create_lambda_context(
            hdrs.get("lambda-runtime-client-context") or None,
            hdrs.get("lambda-runtime-cognito-identity") or None,
            int(deadline) if deadline else 0,
            invoke_id,
            hdrs.get("lambda-runtime-invoked-function-arn"),
            hdrs.get("lambda-runtime-aws-tenant-id") or None,
        )
        event = unmarshal_request(body, hdrs.get("content-type"))
        response = request_handler(event, lambda_context)
        result, result_content_type = marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        etype, value, tb = sys.exc_info()
        error_result = make_error(str(value), etype.__name__, _user_frames(tb), invoke_id)
        del tb

    _flush_std()
    if error_result is not None:
        log_error(error_result)
        client.post_invocation_error(invoke_id, error_result)
    else:
        client.post_invocation_result(invoke_id, result, result_content_type)


def run(handler, client):
    global _GLOBAL_AWS_REQUEST_ID, _GLOBAL_TENANT_ID
    for s in (sys.stdout, sys.stderr):
        try:
            # One write per line: print("a", "b") reaches the log as one line,
            # and a partial line is flushed at the end of the invoke.
            s.reconfigure(line_buffering=True, write_through=False)
        except Exception:
            pass

    error_result = None
    try:
        _install_logging()
        request_handler = _get_handler(handler)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), None)

    if error_result is not None:
        _logging().warning(LAMBDA_UNHANDLED_EXCEPTION_WARNING)
        _flush_std()
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)

    _flush_std()
    while True:
        hdrs, body = client.wait_next_invocation()
        _GLOBAL_AWS_REQUEST_ID = hdrs.get("lambda-runtime-aws-request-id")
        _GLOBAL_TENANT_ID = hdrs.get("lambda-runtime-aws-tenant-id") or None
        trace_id = hdrs.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        elif "_X_AMZN_TRACE_ID" in os.environ:
            del os.environ["_X_AMZN_TRACE_ID"]
        handle_event_request(client, request_handler, hdrs, body)


def main():
    handler = os.environ.get("_HANDLER") or (sys.argv[1] if len(sys.argv) > 1 else "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _set_sys_path(task_root)
    client = LambdaRuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API") or "127.0.0.1:9001")
    run(handler, client)


if __name__ == "__main__":
    main()
