#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validates captured Xero request bodies against Xero's official OpenAPI spec.

Usage: validate_bodies.py SPEC.yaml CAPTURE_FILE_OR_DIR...

Each capture file holds one JSON object per line, as `xero-sim --capture FILE`
writes them: {"method": "PUT", "path": "/api.xro/2.0/Invoices",
"query": "summarizeErrors=false", "body": "<raw body text>"}. A directory
stands for every *.ndjson file in it.

For every line the operation is found in the spec (path templates such as
/Invoices/{InvoiceID} match, the /api.xro/2.0 prefix is the spec's server),
and the parsed body is validated against the operation's application/json
requestBody schema, with $refs resolved inside the spec and every object
schema that lists properties treated as additionalProperties: false (so an
unknown member is an error; allOf compositions are strict over the union of
their branches' properties). OpenAPI 3.0 specifics are handled: `nullable`
becomes a null type, `$ref` siblings are ignored, `format`, `readOnly`,
`example` and `x-*` do not constrain.

Prints each failing body (method, path, capture file:line) with the JSON path
and message of every problem, then how many bodies were checked. Exit status:
0 when every body passes (also when there is nothing to check: no capture file
or only empty ones), 1 when a body fails, 2 on bad usage or unreadable input,
77 when the spec file does not exist (ctest SKIP_RETURN_CODE).

Needs Debian's python3-yaml and python3-jsonschema (4.10).
"""

import copy
import json
import os
import re
import sys
import time

import jsonschema
import yaml

SKIP = 77
METHODS = ("get", "put", "post", "patch", "delete")
OPEN_SUFFIX = "__open"  # a component schema without the added additionalProperties: false


def load_spec(path):
    with open(path, "rb") as f:
        return yaml.load(f, Loader=yaml.CSafeLoader)


def ref_name(ref):
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise ValueError("unsupported $ref %s" % ref)
    return ref[len(prefix):]


class StrictSpec:
    """The spec's component schemas as JSON Schema draft 4 definitions, made strict."""

    def __init__(self, spec):
        self.spec = spec
        self.components = spec.get("components", {}).get("schemas", {})
        self.definitions = {}
        for name, schema in self.components.items():
            self.definitions[name] = self.convert(schema, name, strict=True)
        # Relaxed copies of schemas used as allOf branches (made on demand in convert).
        self.root = {"definitions": self.definitions}
        self.resolver = jsonschema.RefResolver("", self.root)
        self.validators = {}

    def props_of(self, schema, seen=()):
        """Every property name an (allOf-composed) schema defines, through $refs."""
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            if name in seen:
                return set()
            return self.props_of(self.components[name], seen + (name,))
        names = set(schema.get("properties", {}))
        for branch in schema.get("allOf", []):
            names |= self.props_of(branch, seen)
        return names

    def convert(self, schema, name=None, strict=True):
        """An OpenAPI 3.0 schema object as a strict JSON Schema draft 4 schema."""
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:  # OAS 3.0: siblings of $ref are ignored
            return {"$ref": "#/definitions/" + ref_name(schema["$ref"])}
        out = {}
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "definitions"):
                out[key] = {k: self.convert(v) for k, v in value.items()}
            elif key in ("items", "not"):
                out[key] = self.convert(value)
            elif key == "additionalProperties":
                out[key] = self.convert(value) if isinstance(value, dict) else value
            elif key == "allOf":
                # Each branch is checked without its own additionalProperties: false (a
                # branch does not know the others' members); strictness applies to the union.
                out[key] = [self.open_branch(b) for b in value]
            elif key in ("anyOf", "oneOf"):
                out[key] = [self.convert(b) for b in value]
            elif key == "nullable" or key.startswith("x-") or key in (
                    "example", "examples", "externalDocs", "discriminator", "xml",
                    "readOnly", "writeOnly", "deprecated"):
                continue  # annotations; nullable is applied below
            else:
                out[key] = copy.deepcopy(value)
        if schema.get("nullable") is True:
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = types + ["null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        if strict and "additionalProperties" not in schema:
            if "allOf" in schema:
                union = self.props_of(schema)
                if union:
                    props = out.setdefault("properties", {})
                    for p in union:
                        props.setdefault(p, {})
                    out["additionalProperties"] = False
            elif "properties" in schema:
                out["additionalProperties"] = False
        if name is not None:
            out["x-schema-name"] = name
        return out

    def open_branch(self, branch):
        if "$ref" in branch:
            name = ref_name(branch["$ref"])
            open_name = name + OPEN_SUFFIX
            if open_name not in self.definitions:
                self.definitions[open_name] = None  # recursion guard
                self.definitions[open_name] = self.convert(self.components[name], name,
                                                           strict=False)
            return {"$ref": "#/definitions/" + open_name}
        return self.convert(branch, strict=False)

    def validator(self, key, schema):
        v = self.validators.get(key)
        if v is None:
            v = jsonschema.Draft4Validator(self.convert(schema), resolver=self.resolver)
            self.validators[key] = v
        return v


class Operations:
    """Finds the spec operation of a captured method and path."""

    def __init__(self, spec):
        self.spec = spec
        self.prefix = "/api.xro/2.0"
        servers = spec.get("servers") or []
        if servers:
            m = re.match(r"^[a-z]+://[^/]+(/.*)?$", servers[0].get("url", ""))
            if m and m.group(1):
                self.prefix = m.group(1).rstrip("/")
        self.templates = []
        for template in spec.get("paths", {}):
            params = template.count("{")
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "/?$"
            self.templates.append((params, template, re.compile(pattern, re.IGNORECASE)))
        self.templates.sort()  # literal segments win over parameters

    def find(self, method, path):
        """(template, operation) or (None, reason)."""
        if not path.lower().startswith(self.prefix.lower() + "/"):
            return None, "path is not under %s" % self.prefix
        rest = path[len(self.prefix):]
        for _, template, pattern in self.templates:
            if pattern.match(rest):
                op = self.spec["paths"][template].get(method.lower())
                if op is None:
                    return None, "the spec has no %s %s" % (method.upper(), template)
                return template, op
        return None, "no path of the spec matches %s" % rest


def json_path(parts):
    out = "$"
    for p in parts:
        out += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return out


def problems(validator, body):
    """[(json path, message)] for every problem of `body`, unknown members one by one."""
    out = []
    for error in validator.iter_errors(body):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            where = error.schema.get("x-schema-name", "this object")
            for member in sorted(set(error.instance) - allowed):
                out.append((json_path(path + [member]),
                            "unknown member '%s' (not in %s)" % (member, where)))
            continue
        if error.context:  # anyOf/oneOf: the closest branch
            error = jsonschema.exceptions.best_match(error.context)
            path = list(error.absolute_path)
        out.append((json_path(path), error.message))
    return sorted(out)


def capture_files(args):
    files = []
    for arg in args:
        if os.path.isdir(arg):
            files += sorted(os.path.join(arg, n) for n in os.listdir(arg) if n.endswith(".ndjson"))
        elif os.path.exists(arg):
            files.append(arg)
    return files


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    spec_path = argv[1]
    if not os.path.exists(spec_path):
        print("validate_bodies: SKIP: %s not found" % spec_path)
        return SKIP
    start = time.monotonic()
    files = capture_files(argv[2:])
    lines = []
    for f in files:
        with open(f, "rb") as fh:
            for number, raw in enumerate(fh, 1):
                if raw.strip():
                    lines.append((f, number, raw))
    if not lines:
        print("validate_bodies: nothing to check: %s (the tests that capture bodies may not "
              "have run)" % ("no capture file" if not files else "only empty capture files"))
        return 0
    spec = load_spec(spec_path)
    strict = StrictSpec(spec)
    operations = Operations(spec)
    failed = 0
    for f, number, raw in lines:
        where = "%s:%d" % (f, number)
        try:
            entry = json.loads(raw)
            method, path = entry["method"], entry["path"]
            query, body_text = entry.get("query", ""), entry.get("body", "")
        except (ValueError, KeyError, TypeError) as e:
            print("FAIL %s: not a capture line (%s)" % (where, e))
            failed += 1
            continue
        title = "%s %s%s (%s)" % (method, path, "?" + query if query else "", where)
        template, op = operations.find(method, path)
        if template is None:
            print("FAIL %s\n  $: %s" % (title, op))
            failed += 1
            continue
        content = (op.get("requestBody") or {}).get("content", {})
        media = content.get("application/json")
        if media is None:
            if body_text.strip():
                print("FAIL %s\n  $: %s %s takes no JSON body" % (title, method.upper(), template))
                failed += 1
            continue
        try:
            body = json.loads(body_text)
        except ValueError as e:
            print("FAIL %s\n  $: the body is not JSON: %s" % (title, e))
            failed += 1
            continue
        found = problems(strict.validator((method.lower(), template), media.get("schema", {})),
                         body)
        if found:
            failed += 1
            print("FAIL %s [%s %s]" % (title, method.upper(), template))
            for p, message in found:
                print("  %s: %s" % (p, message))
    seconds = time.monotonic() - start
    print("validate_bodies: checked %d bodies from %d file(s) in %.2f s: %d passed, %d failed"
          % (len(lines), len(files), seconds, len(lines) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
