"""botocore side of hako's codec conformance test (see ../doc.go).

    python3 botocore_conformance.py serialize MODEL.json.gz NAME PROTOCOL < op names
    python3 botocore_conformance.py parse     MODEL.json.gz NAME PROTOCOL < JSON lines

serialize: for each operation name read from stdin (one a line) and each
variant (see Generator), build a deterministic example input from the
model, serialize it with botocore's own serializer for PROTOCOL and print
one JSON line {op, variant, params, method, url, headers, body} (body
base64), or {op, variant, error}.

parse: for each JSON line {op, kind, variant, status, headers, body}
written by the Go test (a hako-encoded output or error), parse it the way a
botocore client does (parser for PROTOCOL, then the modelled error fields,
then the exception class for Error.Code) and print {op, kind, variant,
parsed, modeled} or {op, kind, variant, error}.

Values that JSON cannot carry are tagged: bytes as {"$blob": base64},
datetimes as {"$ts": epoch seconds}. The model is hako's embedded copy,
so both sides read exactly the same shapes.
"""
import base64
import datetime
import gzip
import io
import json
import re
import sys
import traceback
from xml.etree import ElementTree

from botocore.eventstream import EventStream
from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer

ENDPOINT = "http://127.0.0.1:4566"
TIMESTAMP = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
BLOB = b"blob\x00\xff\xfe-bytes"
VARIANTS = ("full", "zero", "empty", "hollow", "special")
# The "special" variant: extreme numbers (out of any modelled range), the
# float specials, a timestamp before the epoch, every byte value.
SPECIAL = {
    "integer": 2**31 - 1,
    "long": -(2**63),
    "float": float("inf"),
    "double": float("nan"),
    "timestamp": datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc),
    "blob": bytes(range(256)),
}
MISSING = object()

# Strings travel with characters that need escaping in URIs, query strings,
# JSON and XML (a tab, a newline, quotes, a backslash, a character outside
# the BMP, which JSON writes as a surrogate pair); header values and map
# keys of header maps stay plain ASCII.
STRING_SUFFIX = " \u00e9/+&=<>\t\n\"'\\~*\U0001f600"
MAP_KEYS = ["k1 \u00e9/&=<", "k2"]
# Numbers that test sign, size (beyond 2**53) and exponent formatting;
# each is clamped into the shape's range.
NUMBERS = {"integer": -7, "long": 2**53 + 1, "float": -1024.25, "double": 1.2345678901234567e-07}
# Candidates tried, in order, against a member's pattern.
PATTERN_CANDIDATES = [
    "abc", "Abc123", "abc-123", "a", "1", "123456789012", "abc.def", "abc_def",
    "arn:aws:iam::123456789012:role/abc", "arn:aws:logs:us-east-1:123456789012:log-group:abc",
    "/abc", "abc/def", "us-east-1", "AKIAIOSFODNN7EXAMPLE", "abc@example.com", "2023-11-14",
    "{}", "*", "x" * 20, "http://example.com/abc",
]


def load_model(path, name):
    with gzip.open(path, "rb") as f:
        return ServiceModel(json.load(f), service_name=name)


# ---------------------------------------------------------------- inputs


class Generator:
    """Builds an example value for a shape: every member filled.

    variant "full" fills lists with two items and maps with two entries;
    "zero" gives scalars their zero value (False, 0, 0.0, "", b"", the
    epoch; URI labels and enums keep a real value) in lists of one item and
    maps of one entry; "empty" is "full" with every list and map empty;
    "hollow" is "full" with every nested structure empty; "special" is
    "full" with the values of SPECIAL.
    """

    def __init__(self, protocol, variant):
        self.xml = protocol in ("query", "rest-xml")
        self.variant = variant

    def value(self, shape, name, meta, stack):
        t = shape.type_name
        zero = self.variant == "zero"
        if self.variant == "special" and t in SPECIAL:
            return SPECIAL[t]
        if t == "structure":
            return self.structure(shape, stack)
        if t == "list":
            return self.list(shape, name, meta, stack)
        if t == "map":
            return self.map(shape, name, meta, stack)
        if t == "string":
            return self.string(shape, name, meta)
        if t in ("integer", "long"):
            return 0 if zero else int(self.number(shape, NUMBERS[t]))
        if t in ("float", "double"):
            return 0.0 if zero else float(self.number(shape, NUMBERS[t]))
        if t == "boolean":
            return not zero
        if t == "timestamp":
            return EPOCH if zero else TIMESTAMP
        if t == "blob":
            return b"" if zero else BLOB
        raise ValueError("unknown shape type %s" % t)

    def structure(self, shape, stack):
        if shape.name in stack or len(stack) > 12:
            return MISSING
        if self.variant == "hollow" and stack and not shape.is_tagged_union:
            return {}  # a union must have a member
        stack = stack + [shape.name]
        out = {}
        wire_names = set()
        for mname, mshape in shape.members.items():
            meta = mshape.serialization
            if mshape.type_name == "structure" and mshape.metadata.get("eventstream"):
                continue
            if self.xml and not meta.get("location"):
                # Two members on one XML element name (S3's deprecated
                # Event and Events) cannot both travel: keep the first.
                wire = meta.get("name", mname)
                if wire in wire_names:
                    continue
                wire_names.add(wire)
            v = self.value(mshape, mname, meta, stack)
            if v is MISSING:
                continue
            out[mname] = v
            if shape.is_tagged_union:
                break
        return out

    def items(self, shape):
        n = {"zero": 1, "empty": 0}.get(self.variant, 2)
        if n == 0:
            return 0
        return self.count(shape, n)

    def list(self, shape, name, meta, stack):
        items = []
        item_meta = dict(shape.member.serialization, location=meta.get("location"))
        for i in range(self.items(shape)):
            v = self.value(shape.member, name + str(i + 1), item_meta, stack)
            if v is MISSING:
                return MISSING
            if isinstance(v, str) and shape.member.enum:
                v = shape.member.enum[min(i, len(shape.member.enum) - 1)]
            items.append(v)
        return items

    def map(self, shape, name, meta, stack):
        out = {}
        if shape.key.enum:
            keys = list(shape.key.enum)
        elif meta.get("location") == "headers":
            keys = ["key1", "key2"]
        else:
            keys = MAP_KEYS
        value_meta = dict(shape.value.serialization, location=meta.get("location"))
        for k in keys[: self.items(shape)]:
            if not shape.key.enum:
                k = fit_length(shape.key, k)
            v = self.value(shape.value, name, value_meta, stack)
            if v is MISSING:
                return MISSING
            out[k] = v
        return out

    def count(self, shape, n):
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and n < lo:
            n = int(lo)
        if hi is not None and n > hi:
            n = int(hi)
        return n

    def number(self, shape, n):
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and n < lo:
            n = lo
        if hi is not None and n > hi:
            n = hi
        return n

    def string(self, shape, name, meta):
        if shape.enum:
            return shape.enum[0]
        loc = meta.get("location")
        if meta.get("hostLabel"):
            return "route1"
        if self.variant == "zero" and loc != "uri":
            return ""
        if loc in ("header", "headers"):
            base = name + "-value"
        else:
            base = name + STRING_SUFFIX
        pattern = shape.metadata.get("pattern")
        if pattern:
            for cand in [base] + PATTERN_CANDIDATES:
                cand = fit_length(shape, cand)
                if matches(pattern, cand):
                    return cand
        return fit_length(shape, base)


def fit_length(shape, s):
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if hi is not None and len(s) > hi:
        s = s[: int(hi)].rstrip() or s[: int(hi)]
    if lo is not None and len(s) < lo:
        s = s + "x" * (int(lo) - len(s))
    return s


_pattern_cache = {}


def matches(pattern, s):
    if pattern not in _pattern_cache:
        try:
            _pattern_cache[pattern] = re.compile(pattern)
        except re.error:
            _pattern_cache[pattern] = None
    p = _pattern_cache[pattern]
    return p is None or p.fullmatch(s) is not None


def tag(v):
    """Makes a parameter or parsed value JSON-safe."""
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [tag(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return {"$blob": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return {"$ts": v.timestamp()}
    if isinstance(v, StreamingBody):
        return tag(v.read())
    if hasattr(v, "read"):
        return tag(v.read())
    if isinstance(v, float) and v != v:
        return {"$float": "NaN"}
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return {"$float": "Infinity" if v > 0 else "-Infinity"}
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return {"$unknown": "%s %r" % (type(v).__name__, v)}


def drop_event_streams(parsed):
    """Event streams are out of the codecs' scope: drop them from a parse."""
    return {k: v for k, v in parsed.items() if not isinstance(v, EventStream)}


def serialize(model, protocol, ops):
    serializer = create_serializer(protocol, include_validation=False)
    for variant in VARIANTS:
        gen = Generator(protocol, variant)
        for name in ops:
            print(json.dumps(serialize_one(model, serializer, gen, name)), flush=False)


def fix_content_length(shape, params):
    """A Content-Length header member must agree with the payload."""
    payload = shape.serialization.get("payload")
    body = params.get(payload) if payload else None
    if not isinstance(body, (bytes, str)):
        return
    for mname, mshape in shape.members.items():
        meta = mshape.serialization
        if meta.get("location") == "header" and meta.get("name", "").lower() == "content-length" and mname in params:
            params[mname] = len(body.encode() if isinstance(body, str) else body)


def serialize_one(model, serializer, gen, name):
    line = {"op": name, "variant": gen.variant}
    try:
        op = model.operation_model(name)
        params = {}
        if op.input_shape is not None:
            params = gen.structure(op.input_shape, [])
            if params is MISSING:
                params = {}
            fix_content_length(op.input_shape, params)
        rd = serializer.serialize_to_request(dict(params), op)
        prepare_request_dict(rd, ENDPOINT, user_agent="hako-conformance")
        prepared = create_request_object(rd).prepare()
        body = prepared.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif hasattr(body, "read"):
            body = body.read()
        line.update(
            params=tag(params),
            method=prepared.method,
            url=prepared.url,
            headers={k: v if isinstance(v, str) else v.decode("latin-1") for k, v in prepared.headers.items()},
            body=base64.b64encode(body).decode(),
        )
    except Exception as e:
        line["error"] = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
    return line


# ---------------------------------------------------------------- outputs


def name_of(model):
    return model.service_name


def parse(model, protocol, lines):
    parser = create_parser(protocol)
    for raw in lines:
        if not raw.strip():
            continue
        req = json.loads(raw)
        name = req["op"]
        try:
            op = model.operation_model(name)
            headers = HeadersDict()
            for k, vs in req["headers"].items():
                if vs:
                    headers[k] = ", ".join(vs)
            body = base64.b64decode(req["body"])
            status = req["status"]
            response = {
                "headers": headers,
                "status_code": status,
                "context": {"operation_name": name},
                "body": body,
            }
            if status < 300 and op.has_streaming_output and not op.has_event_stream_output:
                response["body"] = StreamingBody(io.BytesIO(body), len(body))
            parsed = parser.parse(response, op.output_shape)
            modeled = None
            if status >= 300:
                # botocore.endpoint.Endpoint._add_modeled_error_fields ...
                code = parsed.get("Error", {}).get("Code")
                if code is not None:
                    shape = model.shape_for_error_code(code)
                    if shape is not None:
                        response["body"] = body
                        parsed.update(parser.parse(response, shape))
                # ... then BaseClient._make_api_call's exception lookup
                # (ClientExceptionsFactory), after the after-call handlers:
                # SQS's (handlers._handle_sqs_compatible_error) looks the
                # exception up by QueryErrorCode, the shape name.
                lookup = code
                if name_of(model) == "sqs" and parsed.get("Error", {}).get("QueryErrorCode"):
                    lookup = parsed["Error"]["QueryErrorCode"]
                shape = model.shape_for_error_code(lookup) if lookup is not None else None
                if shape is not None:
                    modeled = shape.name
            else:
                parsed = drop_event_streams(parsed)
                if name_of(model) == "s3" and name == "GetBucketLocation":
                    # handlers.parse_get_bucket_location: the output
                    # cannot be modelled, the client reads the root's text.
                    parsed["LocationConstraint"] = ElementTree.fromstring(body).text
            parsed.pop("ResponseMetadata", None)
            line = {"op": name, "kind": req["kind"], "variant": req["variant"], "parsed": tag(parsed), "modeled": modeled}
        except Exception as e:
            line = {"op": name, "kind": req["kind"], "variant": req["variant"], "error": "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())}
        print(json.dumps(line), flush=False)


def main():
    mode, path, name, protocol = sys.argv[1:5]
    model = load_model(path, name)
    if mode == "serialize":
        ops = [l.strip() for l in sys.stdin if l.strip()]
        serialize(model, protocol, ops)
    elif mode == "parse":
        parse(model, protocol, sys.stdin)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
