#!/usr/bin/env python3
"""A local fake of Cloudflare API v4's DNS-records endpoints, for horizon-sync's system tests.

The fake is the oracle of those tests, so it is built to be faithful rather than convenient:
request bodies are validated against the request schemas of the OpenAPI extract in
tests/data/cloudflare (taken from the extract's own `paths`, not mapped by hand), and the behaviour the
extract cannot express (pagination, batch semantics, error codes) follows tests/data/cloudflare/API-NOTES.md.
A control interface under /__fake (no auth) seeds state, injects faults and returns a log of every
API request, so tests can check what the agent sent, not only what it ended with.

Runs on the system interpreter (/usr/bin/python3): standard library plus jsonschema only.
It only ever binds 127.0.0.1. See README.md beside this file.
"""

import argparse
import copy
import hmac
import http
import ipaddress
import json
import math
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jsonschema

API_PREFIX = "/client/v4"
CONTROL_PREFIX = "/__fake"
SCHEMA_ENV = "HORIZON_CLOUDFLARE_OPENAPI"

DEFAULT_TOKEN = "test-token"
DEFAULT_PER_PAGE = 100            # extract: dns-records_per_page default
DEFAULT_MAX_PER_PAGE = 5_000_000  # extract: dns-records_per_page maximum
ZONES_DEFAULT_PER_PAGE = 20
ZONES_MAX_PER_PAGE = 50           # API-NOTES.md "Zone lookup"
DEFAULT_MAX_BATCH = 200           # API-NOTES.md: operations per batch call on the Free plan
DEFAULT_RECORD_QUOTA = 200        # API-NOTES.md: records per Free zone
COMMENT_MAX_CHARS = 100           # API-NOTES.md: comment length on Free
MAX_SCHEMA_ERRORS = 20            # per request, so one bad batch cannot flood the log

PROXIABLE_TYPES = frozenset({"A", "AAAA", "CNAME"})
HOSTNAME_CONTENT_TYPES = frozenset({"CNAME", "MX", "NS", "PTR"})
RECORD_TYPES = frozenset({
    "A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS",
    "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI"})

# Error codes. Those in API-NOTES.md's table are used with the meaning it gives them; the rest are
# the fake's own choices where the extract and API-NOTES.md are silent (README.md here says which is which).
E_AUTH = 10000
E_RATE_LIMITED = 10429
E_NO_ROUTE = 7000
E_METHOD = 7001
E_BAD_ZONE = 7003
E_BAD_QUERY = 7005
E_NAME = 9000
E_NOT_PROXIABLE = 9004
E_CONTENT = 9005
E_HOSTNAME = 9007
E_TTL = 9021
E_CNAME_SELF = 9039
E_COMMENT = 9100
E_BODY_INVALID = 9207
E_BATCH_TOO_LARGE = 9220
E_READ_ONLY = 9300
E_NOT_FOUND = 81044
E_QUOTA = 81045
E_CNAME_OVER_OTHER = 81053
E_OTHER_OVER_CNAME = 81054
E_NS_MIX = 81056
E_IDENTICAL = 81058

# The one `required` entry that is response-only without being marked readOnly: records carry an
# `id` in responses, but dns-records_dns-record-batch-post (whose description says it is the same
# body as Create DNS Record) says `id` is not sent. Keyed by JSON pointer into the document.
RESPONSE_ONLY_REQUIRED = {"#/components/schemas/dns-records_dns-record": frozenset({"id"})}


class ApiError(Exception):
    """A Cloudflare-style failure: HTTP status plus one {code, message} error."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# --------------------------------------------------------------------------------------------
# The OpenAPI extract: request and response validation
# --------------------------------------------------------------------------------------------

def _pointer_escape(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def _resolve(doc, node):
    """Follows local `$ref`s until a schema that is not a reference (or a cycle)."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            break
        seen.add(ref)
        target = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _property_definitions(doc, schema, name, seen=None):
    """Every definition of property `name` reachable from `schema` through allOf/oneOf/anyOf.

    Record schemas keep their properties in composed subschemas (dns-records_dns-record's own
    `required` sits above a oneOf whose branches hold the properties), so a required name has
    to be looked up through the composition, not only in the schema's own `properties`.
    """
    seen = set() if seen is None else seen
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return []
    seen.add(id(schema))
    found = []
    props = schema.get("properties")
    if isinstance(props, dict) and name in props:
        found.append(_resolve(doc, props[name]))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []) if isinstance(schema.get(key), list) else []:
            found.extend(_property_definitions(doc, sub, name, seen))
    return found


def _honour_nullable(node):
    """OpenAPI 3.0 `nullable: true` allows null; plain JSON Schema needs that spelled out."""
    if isinstance(node, dict):
        if node.get("nullable") is True:
            if isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"].append(None)
        for value in node.values():
            _honour_nullable(value)
    elif isinstance(node, list):
        for value in node:
            _honour_nullable(value)
    return node


def _request_view(doc):
    """A copy of the document as it applies to request bodies.

    In OpenAPI a readOnly property that is listed in `required` is required in responses only.
    JSON Schema has no such notion, so every `required` list in the copy loses the names whose
    property is readOnly in any definition reachable from that schema. Dropping a name there is
    safe even when only some oneOf branches mark it readOnly (content: readOnly for SRV and CAA,
    plain for A): the branches where it is writable carry their own `required` list.
    """
    out = copy.deepcopy(doc)

    def walk(src, dst, pointer):
        if isinstance(src, dict):
            required = src.get("required")
            if isinstance(required, list) and all(isinstance(n, str) for n in required):
                drop = set(RESPONSE_ONLY_REQUIRED.get(pointer, ()))
                for name in required:
                    if any(isinstance(p, dict) and p.get("readOnly") is True
                           for p in _property_definitions(doc, src, name)):
                        drop.add(name)
                if drop:
                    kept = [n for n in required if n not in drop]
                    if kept:
                        dst["required"] = kept
                    else:
                        del dst["required"]  # Draft 4 does not allow an empty list
            for key, value in src.items():
                if key == "required" and isinstance(value, list):
                    continue  # a list of names, already handled (and maybe shortened) above
                walk(value, dst[key], pointer + "/" + _pointer_escape(key))
        elif isinstance(src, list):
            for index, value in enumerate(src):
                walk(value, dst[index], pointer + "/" + str(index))

    walk(doc, out, "#")
    return out


_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _format_checker():
    """jsonschema's checker plus stdlib `hostname` and `date-time` checks.

    Debian's python3-jsonschema checks those two formats only when optional packages (fqdn,
    rfc3339-validator) are installed; the extract uses both, so the fake checks them itself.
    """
    checker = jsonschema.FormatChecker()

    @checker.checks("hostname")
    def _hostname(value):
        if not isinstance(value, str):
            return True
        name = value[:-1] if value.endswith(".") else value
        return 0 < len(name) <= 253 and all(_HOST_LABEL.fullmatch(l) for l in name.split("."))

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value):
        if not isinstance(value, str):
            return True
        if "T" not in value.upper() or not re.search(r"(Z|[+-]\d\d:\d\d)$", value, re.I):
            return False
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    return checker


def _json_path(path):
    return "body" + "".join("/" + _pointer_escape(p) for p in path)


def _short(text, limit=240):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _describe_error(error):
    """Readable lines for one validation error.

    A body that matches no oneOf branch makes jsonschema report one error per branch; the useful
    branch is the one of the body's own record type (no `type` enum failure), so only that one
    (or the branch with the fewest errors) is reported.
    """
    where = _json_path(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches = {}
        for sub in error.context:
            index = sub.relative_schema_path[0] if sub.relative_schema_path else 0
            branches.setdefault(index, []).append(sub)

        def closeness(item):
            subs = item[1]
            wrong_type = any(s.validator == "enum" and list(s.relative_path) == ["type"]
                             for s in subs)
            return (wrong_type, len(subs), item[0])

        index, subs = min(branches.items(), key=closeness)
        branch = error.schema[error.validator][index] if isinstance(index, int) else {}
        label = branch.get("$ref", "").rsplit("/", 1)[-1] or branch.get("title") or f"#{index}"
        lines = []
        for sub in subs:
            for line in _describe_error(sub):
                lines.append(f"{line} (closest {error.validator} branch: {label})")
        return lines
    return [f"{where}: {_short(error.message)}"]


class OpenApi:
    """The extract, loaded once, with validators for request and response bodies."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict):
            raise ValueError(f"{path}: not an OpenAPI document (no `paths`)")
        self.response_doc = _honour_nullable(copy.deepcopy(raw))
        self.request_doc = _request_view(self.response_doc)
        self._checker = _format_checker()
        # jsonschema's RefResolver keeps a scope stack while validating, so it is not shared
        # between the server's threads: validation is serialized (it is fast).
        self._lock = threading.Lock()

    def _validator(self, doc, schema):
        return jsonschema.Draft4Validator(schema, resolver=jsonschema.RefResolver("", doc),
                                          format_checker=self._checker)

    def _errors(self, doc, schema, instance):
        with self._lock:
            validator = self._validator(doc, schema)
            lines = []
            errors = validator.iter_errors(instance)
            for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
                for line in _describe_error(error):
                    if line not in lines:
                        lines.append(line)
        return lines[:MAX_SCHEMA_ERRORS]

    def request_body_spec(self, template, method):
        """(schema, required) of an operation's JSON request body, or (None, False)."""
        operation = self.request_doc["paths"].get(template, {}).get(method.lower())
        body = (operation or {}).get("requestBody") or {}
        media = (body.get("content") or {}).get("application/json") or {}
        return media.get("schema"), bool(body.get("required"))

    def check_request(self, template, method, present, body):
        schema, required = self.request_body_spec(template, method)
        if schema is None:
            return []
        if not present:
            return ["body: missing, but the operation requires a JSON body"] if required else []
        return self._errors(self.request_doc, schema, body)

    def check_component(self, name, instance):
        """Validation errors of `instance` against components/schemas/`name` (response view)."""
        return self._errors(self.response_doc, {"$ref": f"#/components/schemas/{name}"}, instance)

    def check_response(self, template, method, status, body):
        """Validation errors of a response body against the extract (for the self-test)."""
        operation = self.response_doc["paths"][template][method.lower()]
        responses = operation["responses"]
        spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        schema = (((spec or {}).get("content") or {}).get("application/json") or {}).get("schema")
        if schema is None:
            return [f"no JSON response schema for {method} {template} {status}"]
        return self._errors(self.response_doc, schema, body)


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------

def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_id():
    return uuid.uuid4().hex


_NAME_LABEL = re.compile(r"\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def _ascii_name(name):
    """Lowercase punycode, as Cloudflare stores names (it converts Unicode names itself)."""
    labels = []
    for label in name.split("."):
        try:
            label.encode("ascii")
            labels.append(label.lower())
        except UnicodeEncodeError:
            labels.append(label.encode("idna").decode("ascii").lower())
    return ".".join(labels)


def qualify_name(name, zone_name):
    """A record name as Cloudflare stores it: full, lowercase, no trailing dot.

    "@" is the apex; a name that is not inside the zone is taken as relative to it, so "www"
    becomes "www.<zone>".
    """
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, E_NAME, "DNS name is invalid.")
    value = name.strip()
    if value == "@":
        return zone_name
    if value.endswith("."):
        value = value[:-1]
    try:
        value = _ascii_name(value)
    except UnicodeError:
        raise ApiError(400, E_NAME, "DNS name is invalid.") from None
    if value != zone_name and not value.endswith("." + zone_name):
        value = f"{value}.{zone_name}"
    if len(value) > 253 or not all(_NAME_LABEL.fullmatch(l) for l in value.split(".")):
        raise ApiError(400, E_NAME, "DNS name is invalid.")
    return value


def _hostname_content(rtype, value, allow_root=False):
    """Target host names are stored lowercase without the trailing dot."""
    if isinstance(value, str):
        if allow_root and value == ".":
            return "."
        host = value[:-1] if value.endswith(".") else value
        labels = host.split(".")
        if 0 < len(host) <= 253 and all(_NAME_LABEL.fullmatch(l.lower()) for l in labels):
            return host.lower()
    raise ApiError(400, E_HOSTNAME, f"Content for {rtype} record is invalid.")


def _whole_number(value, low, high, code, message):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ApiError(400, code, message)
    value = int(value)
    if not low <= value <= high:
        raise ApiError(400, code, message)
    return value


def build_record(zone_name, fields, *, rid, meta, created_on, modified_on):
    """Normalizes and checks the writable fields of one record; returns it as the API shows it.

    Unset fields take their defaults here, which is what makes PUT an overwrite.
    """
    rtype = fields.get("type")
    if rtype not in RECORD_TYPES:
        raise ApiError(400, E_CONTENT, f"Unsupported record type {rtype!r}.")
    name = qualify_name(fields.get("name"), zone_name)

    ttl_message = "TTL must be between 60 and 86400 seconds, or 1 for Automatic."
    ttl = _whole_number(fields.get("ttl", 1), 1, 86400, E_TTL, ttl_message)
    if ttl != 1 and ttl < 60:
        raise ApiError(400, E_TTL, ttl_message)
    proxied = fields.get("proxied", False)
    if proxied is None:
        proxied = False
    if not isinstance(proxied, bool):
        raise ApiError(400, E_NOT_PROXIABLE, "proxied must be true or false.")
    proxiable = rtype in PROXIABLE_TYPES
    if proxied and not proxiable:
        raise ApiError(400, E_NOT_PROXIABLE, "This record type cannot be proxied.")
    if proxied:
        ttl = 1  # API-NOTES.md: proxied records always have automatic TTL, whatever was sent

    comment = fields.get("comment")
    if comment == "":
        comment = None  # the fake's way to clear a comment in a PATCH (the extract has no null)
    if comment is not None:
        if not isinstance(comment, str) or "\n" in comment or "\r" in comment:
            raise ApiError(400, E_COMMENT, "Comment must be a single line of text.")
        if len(comment) > COMMENT_MAX_CHARS:
            raise ApiError(400, E_COMMENT,
                           f"Comment is longer than {COMMENT_MAX_CHARS} characters.")
    tags = fields.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ApiError(400, E_CONTENT, "tags must be a list of strings.")

    content = fields.get("content")
    priority = fields.get("priority")
    data = fields.get("data")
    invalid = f"Content for {rtype} record is invalid."
    out_priority = None
    out_data = None
    if rtype in ("A", "AAAA"):
        family = ipaddress.IPv4Address if rtype == "A" else ipaddress.IPv6Address
        version = "IPv4" if rtype == "A" else "IPv6"
        try:
            content = family(content).compressed  # Cloudflare shows IPv6 in canonical form
        except (ValueError, TypeError):
            message = f"Content for {rtype} record must be a valid {version} address."
            raise ApiError(400, E_CONTENT, message) from None
    elif rtype in HOSTNAME_CONTENT_TYPES:
        content = _hostname_content(rtype, content)
        if rtype == "CNAME" and content == name:
            raise ApiError(400, E_CNAME_SELF, "CNAME content cannot reference itself.")
        if rtype == "MX":
            out_priority = _whole_number(priority, 0, 65535, E_CONTENT,
                                         "MX records need a priority between 0 and 65535.")
    elif rtype == "SRV":
        if not isinstance(data, dict):
            raise ApiError(400, E_CONTENT,
                           "SRV records need data {priority, weight, port, target}.")
        prio = data.get("priority", priority)
        out_priority = _whole_number(prio, 0, 65535, E_CONTENT, "SRV priority is invalid.")
        weight = _whole_number(data.get("weight"), 0, 65535, E_CONTENT, "SRV weight is invalid.")
        port = _whole_number(data.get("port"), 0, 65535, E_CONTENT, "SRV port is invalid.")
        target = _hostname_content(rtype, data.get("target"), allow_root=True)
        out_data = {"priority": out_priority, "weight": weight, "port": port, "target": target}
        content = f"{weight} {port} {target}"
    elif rtype == "CAA":
        if not isinstance(data, dict):
            raise ApiError(400, E_CONTENT, "CAA records need data {flags, tag, value}.")
        flags = _whole_number(data.get("flags", 0), 0, 255, E_CONTENT, "CAA flags are invalid.")
        tag = data.get("tag")
        value = data.get("value")
        if not isinstance(tag, str) or not re.fullmatch(r"[A-Za-z0-9]+", tag) \
                or not isinstance(value, str):
            raise ApiError(400, E_CONTENT, invalid)
        out_data = {"flags": flags, "tag": tag, "value": value}
        content = f'{flags} {tag} "{value}"'
    elif isinstance(data, dict):
        # Other structured types are stored as given; their content is only a rough rendering.
        out_data = copy.deepcopy(data)
        content = " ".join(str(v) for v in data.values())
        if priority is not None:
            out_priority = _whole_number(priority, 0, 65535, E_CONTENT, invalid)
    else:
        if not isinstance(content, str) or not content:
            raise ApiError(400, E_CONTENT, invalid)

    record = {"id": rid, "name": name, "type": rtype, "content": content,
              "proxiable": proxiable, "proxied": proxied, "ttl": ttl}
    if out_priority is not None:
        record["priority"] = out_priority
    if out_data is not None:
        record["data"] = out_data
    record["meta"] = copy.deepcopy(meta)
    if comment is not None:
        record["comment"] = comment
    record["tags"] = list(tags)
    record["created_on"] = created_on
    record["modified_on"] = modified_on
    return record


def _writable_fields(record):
    """The fields a PATCH starts from: the record minus what the server owns."""
    fields = {key: copy.deepcopy(record[key])
              for key in ("type", "name", "ttl", "proxied", "tags", "comment", "priority", "data")
              if key in record}
    if "data" not in record:
        fields["content"] = record["content"]
    elif "priority" in record:
        # One priority, shown twice for SRV: keep the top-level one, so a PATCH of `priority`
        # alone is not overridden by the old copy inside `data`.
        fields["data"].pop("priority", None)
    return fields


def _identity(record):
    data = json.dumps(record.get("data"), sort_keys=True)
    return (record["type"], record["name"], record["content"], record.get("priority"), data)


def check_conflicts(zone_name, records, record):
    """Cloudflare's refusals that depend on the other records of the zone."""
    others = [r for r in records if r["id"] != record["id"]]
    key = _identity(record)
    if any(_identity(r) == key for r in others):
        raise ApiError(400, E_IDENTICAL, "An identical record already exists.")
    same_name = [r for r in others if r["name"] == record["name"]]
    if record["type"] == "CNAME" and same_name:
        raise ApiError(400, E_CNAME_OVER_OTHER,
                       "An A, AAAA, or CNAME record with that host already exists.")
    if record["type"] != "CNAME" and any(r["type"] == "CNAME" for r in same_name):
        raise ApiError(400, E_OTHER_OVER_CNAME, "A CNAME record with that host already exists.")
    # The extract: "NS records cannot exist on the same name as any other record type" (a
    # delegation); the apex is exempt, since every zone has NS records there.
    if record["name"] != zone_name:
        is_ns = record["type"] == "NS"
        if any((r["type"] == "NS") != is_ns for r in same_name):
            raise ApiError(400, E_NS_MIX,
                           "NS records cannot exist on the same name as other record types.")


def _is_read_only(record):
    return bool((record.get("meta") or {}).get("read_only"))


# --------------------------------------------------------------------------------------------
# State: zones, records, faults, request log
# --------------------------------------------------------------------------------------------

FAULT_KEYS = frozenset({"method", "path_contains", "status", "retry_after", "count", "skip",
                        "action", "code", "message"})
_MISSING = object()


def _parse_fault(rule):
    if not isinstance(rule, dict):
        raise ValueError("each fault must be an object")
    unknown = set(rule) - FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown fault keys: {sorted(unknown)}")
    action = rule.get("action")
    if action not in (None, "drop"):
        raise ValueError("fault action must be \"drop\" or absent")
    status = rule.get("status")
    if action is None and (not isinstance(status, int) or not 400 <= status <= 599):
        raise ValueError("fault status must be an HTTP error status (400..599)")
    count = rule.get("count", 1)
    skip = rule.get("skip", 0)
    if not isinstance(count, int) or not isinstance(skip, int) or skip < 0:
        raise ValueError("fault count and skip must be integers (count < 0: unlimited)")
    retry_after = rule.get("retry_after", _MISSING)
    if retry_after is _MISSING:
        retry_after = 1 if status == 429 else None
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
        raise ValueError("retry_after must be a non-negative integer or null")
    method = rule.get("method")
    path_contains = rule.get("path_contains")
    if method is not None and not isinstance(method, str):
        raise ValueError("method must be a string")
    if path_contains is not None and not isinstance(path_contains, str):
        raise ValueError("path_contains must be a string")
    return {"method": method.upper() if method else None, "path_contains": path_contains,
            "status": status, "retry_after": retry_after, "count": count, "skip": skip,
            "action": action, "code": rule.get("code"), "message": rule.get("message")}


def _positive_int(spec, key, default):
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{key} must be a positive integer")
    return value


def _page_params(query, default_per_page, max_per_page):
    try:
        page = int(query.get("page", 1))
        per_page = int(query.get("per_page", default_per_page))
    except (TypeError, ValueError):
        raise ApiError(400, E_BAD_QUERY, "page and per_page must be integers.") from None
    if page < 1 or per_page < 1:
        raise ApiError(400, E_BAD_QUERY, "page and per_page must be at least 1.")
    return page, min(per_page, max_per_page)


def _paginate(items, page, size):
    start = (page - 1) * size
    chunk = items[start:start + size]
    info = {"page": page, "per_page": size, "count": len(chunk), "total_count": len(items),
            "total_pages": math.ceil(len(items) / size)}
    return chunk, info


def _record_predicates(query):
    """List filters. All string filters are case-insensitive, as the extract says of comments."""
    predicates = []
    for key, value in query.items():
        field, _, op = key.partition(".")
        if key == "type":
            predicates.append(lambda r, v=value.upper(): r["type"] == v)
        elif key == "proxied":
            predicates.append(lambda r, v=value.lower() == "true": r["proxied"] == v)
        elif field == "comment" and op in ("present", "absent"):
            predicates.append(lambda r, want=op == "present": ("comment" in r) == want)
        elif field in ("name", "content", "comment") and op in ("", "exact", "contains",
                                                                 "startswith", "endswith"):
            needle = value.lower()
            if field == "name" and needle.endswith("."):
                needle = needle[:-1]
            test = {"": str.__eq__, "exact": str.__eq__, "contains": str.__contains__,
                    "startswith": str.startswith, "endswith": str.endswith}[op]
            predicates.append(lambda r, f=field, n=needle, t=test:
                              f in r and t(str(r[f]).lower(), n))
    return predicates


class Store:
    """Everything the fake remembers. All access goes through `lock`."""

    def __init__(self, max_per_page=DEFAULT_MAX_PER_PAGE):
        self.lock = threading.RLock()
        self.startup_max_per_page = max_per_page
        self.seq = 0
        self.requests = []
        self.zones = []
        self.records = {}
        self.faults = []
        self.max_per_page = max_per_page
        self.max_batch = DEFAULT_MAX_BATCH
        self.record_quota = DEFAULT_RECORD_QUOTA

    # ---- control interface

    def put_state(self, spec):
        """Replaces everything. Built aside first, so a bad spec leaves the old state intact."""
        if not isinstance(spec, dict):
            raise ValueError("state must be a JSON object")
        unknown = set(spec) - {"zones", "records", "max_per_page", "max_batch", "record_quota"}
        if unknown:
            raise ValueError(f"unknown state keys: {sorted(unknown)}")
        zones = []
        for zone in spec.get("zones") or []:
            if not isinstance(zone, dict) or not isinstance(zone.get("id"), str) \
                    or not isinstance(zone.get("name"), str) or not zone["name"].strip("."):
                raise ValueError("each zone needs string id and name")
            if any(z["id"] == zone["id"] for z in zones):
                raise ValueError(f"duplicate zone id {zone['id']}")
            zones.append({"id": zone["id"], "name": zone["name"].strip().rstrip(".").lower()})
        records = {z["id"]: [] for z in zones}
        seen_ids = set()
        given = spec.get("records") or {}
        if not isinstance(given, dict):
            raise ValueError("records must map zone ids to lists of records")
        for zone_id, items in given.items():
            if zone_id not in records:
                raise ValueError(f"records given for unknown zone {zone_id}")
            zone_name = next(z["name"] for z in zones if z["id"] == zone_id)
            for index, item in enumerate(items or []):
                where = f"records[{zone_id}][{index}]"
                if not isinstance(item, dict):
                    raise ValueError(f"{where}: must be an object")
                rid = item.get("id") or _new_id()
                if rid in seen_ids:
                    raise ValueError(f"{where}: duplicate record id {rid}")
                seen_ids.add(rid)
                meta = dict(item.get("meta") or {})
                if item.get("read_only"):
                    meta["read_only"] = True
                created = item.get("created_on") or _now()
                try:
                    record = build_record(zone_name, item, rid=rid, meta=meta, created_on=created,
                                          modified_on=item.get("modified_on") or created)
                except ApiError as e:
                    raise ValueError(f"{where}: {e.message}") from None
                records[zone_id].append(record)
        max_per_page = _positive_int(spec, "max_per_page", self.startup_max_per_page)
        max_batch = _positive_int(spec, "max_batch", DEFAULT_MAX_BATCH)
        record_quota = _positive_int(spec, "record_quota", DEFAULT_RECORD_QUOTA)
        with self.lock:
            self.zones, self.records = zones, records
            self.max_per_page, self.max_batch, self.record_quota = \
                max_per_page, max_batch, record_quota
            self.faults = []
            self.requests = []

    def state(self):
        with self.lock:
            return {"zones": copy.deepcopy(self.zones),
                    "records": copy.deepcopy(self.records),
                    "max_per_page": self.max_per_page,
                    "max_batch": self.max_batch,
                    "record_quota": self.record_quota}

    def add_faults(self, rules):
        if not isinstance(rules, list):
            raise ValueError("faults must be a list")
        parsed = [_parse_fault(rule) for rule in rules]
        with self.lock:
            self.faults.extend(parsed)

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def fault_rules(self):
        with self.lock:
            return copy.deepcopy(self.faults)

    def take_fault(self, method, target):
        """The fault rule this request triggers (consuming it), or None.

        The first rule (in the order added) that matches and has count left (negative count:
        unlimited) decides. If it still has `skip` left, the request spends one skip and goes
        through unfaulted, later rules included ("let the first M matching requests through"),
        so a test can let a run make some progress before the faults start.
        """
        with self.lock:
            for rule in self.faults:
                if rule["count"] == 0:
                    continue
                if rule["method"] and rule["method"] != method:
                    continue
                if rule["path_contains"] and rule["path_contains"] not in target:
                    continue
                if rule["skip"] > 0:
                    rule["skip"] -= 1
                    return None
                if rule["count"] > 0:
                    rule["count"] -= 1
                return dict(rule)
            return None

    def log_request(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.requests.append(entry)

    def finish_request(self, entry, status, faulted=False):
        with self.lock:
            entry["status"] = status
            entry["faulted"] = faulted

    def request_log(self):
        with self.lock:
            return copy.deepcopy(self.requests)

    def clear_requests(self):
        with self.lock:
            self.requests = []

    # ---- API

    def _zone(self, zone_id, path):
        for zone in self.zones:
            if zone["id"] == zone_id:
                return zone
        raise ApiError(404, E_BAD_ZONE,
                       f"Could not route to {path}, perhaps your object identifier is invalid?")

    def list_zones(self, query):
        with self.lock:
            zones = self.zones
            if "name" in query:
                wanted = query["name"].strip().rstrip(".").lower()
                zones = [z for z in zones if z["name"] == wanted]
            page, size = _page_params(query, ZONES_DEFAULT_PER_PAGE,
                                      min(ZONES_MAX_PER_PAGE, self.max_per_page))
            items = [{"id": z["id"], "name": z["name"], "status": "active"} for z in zones]
            return _paginate(items, page, size)

    def get_zone(self, zone_id, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            return {"id": zone["id"], "name": zone["name"], "status": "active"}

    def list_records(self, zone_id, query, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            records = self.records[zone["id"]]
            predicates = _record_predicates(query)
            combine = any if query.get("match") == "any" else all
            if predicates:
                records = [r for r in records if combine(p(r) for p in predicates)]
            order = query.get("order")
            if order in ("type", "name", "content", "ttl", "proxied"):
                records = sorted(records, key=lambda r: r[order],
                                 reverse=query.get("direction") == "desc")
            page, size = _page_params(query, DEFAULT_PER_PAGE, self.max_per_page)
            chunk, info = _paginate(records, page, size)
            return copy.deepcopy(chunk), info

    def get_record(self, zone_id, record_id, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            return copy.deepcopy(self._find(self.records[zone["id"]], record_id)[1])

    def create_record(self, zone_id, body, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            return copy.deepcopy(self._create(zone, self.records[zone["id"]], body))

    def replace_record(self, zone_id, record_id, body, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            return copy.deepcopy(self._replace(zone, self.records[zone["id"]], record_id, body))

    def patch_record(self, zone_id, record_id, body, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            return copy.deepcopy(self._patch(zone, self.records[zone["id"]], record_id, body))

    def delete_record(self, zone_id, record_id, path):
        with self.lock:
            zone = self._zone(zone_id, path)
            return copy.deepcopy(self._delete(self.records[zone["id"]], record_id))

    def batch(self, zone_id, body, path):
        """deletes, patches, puts, posts, in that order, on a copy: all or nothing."""
        with self.lock:
            zone = self._zone(zone_id, path)
            groups = {key: body.get(key) or [] for key in ("deletes", "patches", "puts", "posts")}
            total = sum(len(ops) for ops in groups.values())
            if total > self.max_batch:
                raise ApiError(400, E_BATCH_TOO_LARGE,
                               f"A batch may hold at most {self.max_batch} operations "
                               f"(this one has {total}).")
            work = copy.deepcopy(self.records[zone["id"]])
            result = {key: [] for key in groups}
            try:
                for op in groups["deletes"]:
                    result["deletes"].append(self._delete(work, op.get("id")))
                for op in groups["patches"]:
                    result["patches"].append(self._patch(zone, work, op.get("id"), op))
                for op in groups["puts"]:
                    result["puts"].append(self._replace(zone, work, op.get("id"), op))
                for op in groups["posts"]:
                    result["posts"].append(self._create(zone, work, op))
            except ApiError as e:
                # The whole call fails with the first operation's error; `work` is dropped.
                raise ApiError(400, e.code, e.message) from None
            self.records[zone["id"]] = work
            return copy.deepcopy(result)

    # Operations on one zone's record list (the live one, or a batch's working copy).

    @staticmethod
    def _find(records, record_id):
        for index, record in enumerate(records):
            if record["id"] == record_id:
                return index, record
        raise ApiError(404, E_NOT_FOUND, "Record does not exist.")

    @staticmethod
    def _check_writable(record):
        if _is_read_only(record):
            raise ApiError(400, E_READ_ONLY, "This record is read-only and cannot be modified "
                                             "or deleted.")

    def _create(self, zone, records, body):
        now = _now()
        record = build_record(zone["name"], body, rid=_new_id(), meta={}, created_on=now,
                              modified_on=now)
        check_conflicts(zone["name"], records, record)
        if len(records) >= self.record_quota:
            raise ApiError(400, E_QUOTA, "Record quota exceeded.")
        records.append(record)
        return record

    def _rewrite(self, zone, records, record_id, fields):
        index, old = self._find(records, record_id)
        self._check_writable(old)
        record = build_record(zone["name"], fields, rid=old["id"], meta=old.get("meta") or {},
                              created_on=old["created_on"], modified_on=_now())
        check_conflicts(zone["name"], records, record)
        records[index] = record
        return record

    def _replace(self, zone, records, record_id, body):
        fields = {k: v for k, v in body.items() if k != "id"}
        return self._rewrite(zone, records, record_id, fields)

    def _patch(self, zone, records, record_id, body):
        _, old = self._find(records, record_id)
        fields = _writable_fields(old)
        fields.update({k: v for k, v in body.items() if k != "id"})
        return self._rewrite(zone, records, record_id, fields)

    def _delete(self, records, record_id):
        index, old = self._find(records, record_id)
        self._check_writable(old)
        del records[index]
        return old


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

_ID = r"[^/]+"
# (pattern under /client/v4, OpenAPI path template or None, {method: action})
_ROUTES = [
    (re.compile(r"/zones"), None, {"GET": "list_zones"}),
    (re.compile(rf"/zones/(?P<zone_id>{_ID})"), None, {"GET": "get_zone"}),
    (re.compile(rf"/zones/(?P<zone_id>{_ID})/dns_records"), "/zones/{zone_id}/dns_records",
     {"GET": "list", "POST": "create"}),
    (re.compile(rf"/zones/(?P<zone_id>{_ID})/dns_records/batch"),
     "/zones/{zone_id}/dns_records/batch", {"POST": "batch"}),
    # export/import/scan are in the extract but not faked: they fall through to "no route".
    (re.compile(rf"/zones/(?P<zone_id>{_ID})/dns_records/"
                rf"(?P<record_id>(?!(?:export|import|scan)$){_ID})"),
     "/zones/{zone_id}/dns_records/{dns_record_id}",
     {"GET": "get", "PUT": "put", "PATCH": "patch", "DELETE": "delete"}),
]


def _route(path, method):
    """(action, template, params); action None = no route, "" = method not allowed."""
    if not path.startswith(API_PREFIX + "/"):
        return None, None, {}
    rest = path[len(API_PREFIX):].rstrip("/")
    for pattern, template, actions in _ROUTES:
        match = pattern.fullmatch(rest)
        if match:
            return actions.get(method, ""), template, match.groupdict()
    return None, None, {}


def _success(result, result_info=None):
    envelope = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        envelope["result_info"] = result_info
    return envelope


def _failure(code, message, messages=()):
    return {"success": False, "errors": [{"code": code, "message": message}],
            "messages": list(messages), "result": None}


def _flat_query(query_string):
    flat = {}
    for key, values in parse_qs(query_string, keep_blank_values=True).items():
        flat[key] = values[0] if len(values) == 1 else values
    return flat


def _last_values(query):
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    server_version = "fake-cloudflare"
    sys_version = ""
    timeout = 300  # an idle keep-alive connection is closed after this many seconds

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_cloudflare: %s\n" % (fmt % args))

    def _dispatch(self):
        split = urlsplit(self.path)
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        try:
            if split.path == CONTROL_PREFIX or split.path.startswith(CONTROL_PREFIX + "/"):
                self._control(split.path, raw)
            else:
                self._api(split, raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _respond(self, status, payload, headers=None, entry=None, faulted=False):
        data = json.dumps(payload).encode("utf-8")
        if entry is not None:
            # Logged before the answer goes out, so a test that has its answer sees it logged.
            self.server.store.finish_request(entry, status, faulted)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    # ---- /client/v4

    def _api(self, split, raw):
        server = self.server
        store = server.store
        method = self.command
        path = split.path
        query = _flat_query(split.query)
        action, template, params = _route(path, method)

        body = None
        schema_errors = []
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as e:
                schema_errors.append(f"body: not valid JSON ({e})")
        if not schema_errors and action and template:
            schema_errors = server.openapi.check_request(template, method, bool(raw.strip()), body)

        # The Authorization header is compared, never stored or echoed.
        expected = f"Bearer {server.token}".encode("utf-8")
        authorized = hmac.compare_digest(self.headers.get("Authorization", "").encode("utf-8"),
                                         expected)
        entry = {"seq": 0, "time": time.monotonic(), "method": method, "path": path,
                 "query": query, "body": body, "status": None, "authorized": authorized,
                 "schema_errors": schema_errors, "faulted": False}
        store.log_request(entry)

        fault = store.take_fault(method, path + ("?" + split.query if split.query else ""))
        if fault:
            self._answer_fault(fault, entry)
            return
        if not authorized:
            self._respond(403, _failure(E_AUTH, "Authentication error"), entry=entry)
            return
        if action is None:
            self._respond(404, _failure(E_NO_ROUTE, "No route for that URI"), entry=entry)
            return
        if action == "":
            self._respond(405, _failure(E_METHOD, "Method not allowed for this route"),
                          entry=entry)
            return
        if schema_errors:
            details = [{"code": E_BODY_INVALID, "message": e} for e in schema_errors]
            self._respond(400, _failure(E_BODY_INVALID, "Request body is invalid.", details),
                          entry=entry)
            return
        try:
            status, payload = self._perform(action, params, body, _last_values(query), path)
        except ApiError as e:
            status, payload = e.status, _failure(e.code, e.message)
        self._respond(status, payload, entry=entry)

    def _perform(self, action, params, body, query, path):
        store = self.server.store
        zone_id = params.get("zone_id")
        record_id = params.get("record_id")
        if action == "list_zones":
            zones, info = store.list_zones(query)
            return 200, _success(zones, info)
        if action == "get_zone":
            return 200, _success(store.get_zone(zone_id, path))
        if action == "list":
            records, info = store.list_records(zone_id, query, path)
            return 200, _success(records, info)
        if action == "create":
            return 200, _success(store.create_record(zone_id, body, path))
        if action == "batch":
            return 200, _success(store.batch(zone_id, body, path))
        if action == "get":
            return 200, _success(store.get_record(zone_id, record_id, path))
        if action == "put":
            return 200, _success(store.replace_record(zone_id, record_id, body, path))
        if action == "patch":
            return 200, _success(store.patch_record(zone_id, record_id, body, path))
        if action == "delete":
            store.delete_record(zone_id, record_id, path)
            return 200, _success({"id": record_id})
        raise ApiError(404, E_NO_ROUTE, "No route for that URI")

    def _answer_fault(self, fault, entry):
        if fault["action"] == "drop":
            self.server.store.finish_request(entry, 0, faulted=True)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status = fault["status"]
        if status == 429:
            code, message = E_RATE_LIMITED, "Rate limited"
        elif status == 403:
            code, message = E_AUTH, "Authentication error"
        else:
            code = 10000 + status
            try:
                message = http.HTTPStatus(status).phrase
            except ValueError:
                message = "Error"
        if fault["code"] is not None:
            code = fault["code"]
        if fault["message"] is not None:
            message = fault["message"]
        headers = {}
        if fault["retry_after"] is not None:
            headers["Retry-After"] = str(fault["retry_after"])
        self._respond(status, _failure(code, message), headers, entry=entry, faulted=True)

    # ---- /__fake

    def _control(self, path, raw):
        store = self.server.store
        key = (self.command, path.rstrip("/"))
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError as e:
            self._respond(400, {"error": f"body is not valid JSON: {e}"})
            return
        try:
            if key == ("PUT", "/__fake/state"):
                store.put_state(body if body is not None else {})
                out = store.state()
            elif key == ("GET", "/__fake/state"):
                out = store.state()
            elif key == ("POST", "/__fake/faults"):
                if not isinstance(body, dict):
                    raise ValueError('expected {"faults": [...]}')
                store.add_faults(body.get("faults"))
                out = {"faults": store.fault_rules()}
            elif key == ("GET", "/__fake/faults"):
                out = {"faults": store.fault_rules()}
            elif key == ("DELETE", "/__fake/faults"):
                store.clear_faults()
                out = {"faults": []}
            elif key == ("GET", "/__fake/requests"):
                out = {"requests": store.request_log()}
            elif key == ("DELETE", "/__fake/requests"):
                store.clear_requests()
                out = {"requests": []}
            elif key == ("POST", "/__fake/shutdown"):
                self.close_connection = True
                self._respond(200, {"ok": True}, {"Connection": "close"})
                self.server.stop_requested.set()
                return
            else:
                self._respond(404, {"error": f"no control endpoint {key[0]} {key[1]}"})
                return
        except ValueError as e:
            self._respond(400, {"error": str(e)})
            return
        self._respond(200, out)


class FakeCloudflareServer(ThreadingHTTPServer):
    daemon_threads = True  # open keep-alive connections must not hold up exit

    def __init__(self, port, openapi, store, token, verbose=False):
        self.openapi = openapi
        self.store = store
        self.token = token
        self.verbose = verbose
        self.stop_requested = threading.Event()
        super().__init__(("127.0.0.1", port), FakeHandler)

    def server_bind(self):
        # HTTPServer.server_bind would look up the host's FQDN, which may ask a DNS server;
        # the fake stays on loopback, so skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Local fake of Cloudflare's DNS-records API.")
    parser.add_argument("--schema", default=os.environ.get(SCHEMA_ENV),
                        help=f"the OpenAPI extract (default: ${SCHEMA_ENV})")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: ephemeral)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the only valid bearer token")
    parser.add_argument("--max-per-page", type=int, default=DEFAULT_MAX_PER_PAGE,
                        help="largest page the list endpoint returns, whatever per_page asks")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    if not args.schema or not os.path.isfile(args.schema):
        print(f"fake_cloudflare: OpenAPI extract not found ({args.schema or 'not given'}); "
              f"pass --schema or set {SCHEMA_ENV}", file=sys.stderr)
        return 2
    if args.max_per_page < 1:
        print("fake_cloudflare: --max-per-page must be at least 1", file=sys.stderr)
        return 2
    try:
        openapi = OpenApi(args.schema)
    except (OSError, ValueError) as e:
        print(f"fake_cloudflare: cannot load the OpenAPI extract: {e}", file=sys.stderr)
        return 2

    server = FakeCloudflareServer(args.port, openapi, Store(args.max_per_page), args.token,
                                  args.verbose)
    stop = server.stop_requested
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    print(f"listening 127.0.0.1:{server.server_address[1]}", flush=True)
    # A timed wait, so the signal handlers get to run promptly in this (main) thread.
    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
