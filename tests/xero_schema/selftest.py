#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of validate_bodies.py: usage: selftest.py SPEC.yaml

Runs the validator over the checked-in samples (samples/good.ndjson must pass,
samples/bad.ndjson must fail with the expected messages), over missing and
empty captures, and over a small synthetic spec that uses what Xero's spec
does not (allOf, nullable) so that the strictness rules are exercised too.
Exit 0 when every check holds, 1 otherwise, 77 when SPEC.yaml is absent.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATOR = os.path.join(HERE, "validate_bodies.py")
failures = []


def run(*args):
    p = subprocess.run([sys.executable, VALIDATOR] + list(args), capture_output=True, text=True,
                       check=False)
    return p.returncode, p.stdout + p.stderr


def expect(name, condition, output):
    if not condition:
        failures.append(name)
        print("FAILED: %s\n%s" % (name, output))
    else:
        print("ok: %s" % name)


def capture_line(method, path, body, query=""):
    return json.dumps({"method": method, "path": path, "query": query,
                       "body": body if isinstance(body, str) else json.dumps(body)}) + "\n"


SYNTHETIC_SPEC = """
openapi: 3.0.0
info: {title: synthetic, version: "1"}
servers: [{url: "https://api.xero.com/api.xro/2.0"}]
paths:
  /Things:
    put:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Things'}
  /Things/{ThingID}:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
  /Things/Special:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Base'}
  /Ping:
    post:
      responses: {"200": {description: ok}}
components:
  schemas:
    Things:
      type: object
      properties:
        Things: {type: array, items: {$ref: '#/components/schemas/Thing'}}
    Base:
      type: object
      properties:
        Name: {type: string, maxLength: 5}
        Note: {type: string, nullable: true, readOnly: true, example: x, x-is-note: true}
    Thing:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            Size: {type: number, format: double}
            Kind: {type: string, enum: [BIG, SMALL], nullable: true}
            Inner: {$ref: '#/components/schemas/Base'}
"""


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    spec = argv[1]
    if not os.path.exists(spec):
        print("selftest: SKIP: %s not found" % spec)
        return 77
    samples = os.path.join(HERE, "samples")

    rc, out = run(spec, os.path.join(samples, "good.ndjson"))
    expect("known-good samples pass", rc == 0 and "checked 4 bodies" in out and
           "4 passed, 0 failed" in out, out)

    rc, out = run(spec, os.path.join(samples, "bad.ndjson"))
    expect("known-bad samples fail", rc == 1 and "checked 5 bodies" in out and
           "0 passed, 5 failed" in out, out)
    for message in [
            "FAIL PUT /api.xro/2.0/Invoices (%s:1)" % os.path.join(samples, "bad.ndjson"),
            "$.Invoices[0].Colour: unknown member 'Colour' (not in Invoice)",
            "$.Invoices[0].LineItems[0].Quantity: 'two' is not of type 'number'",
            "$.Invoices[0].Type: 'INVOICE' is not one of ['ACCPAY',",
            "$.Contacts[0].Phones[0].Extension: unknown member 'Extension' (not in Phone)",
            "$.Contacts[0].Phones[0].PhoneType: 'CELL' is not one of",
            "$: the spec has no PATCH /Invoices"]:
        expect("bad samples report: " + message, message in out, out)

    # A directory means its *.ndjson files.
    rc, out = run(spec, samples)
    expect("a directory is every *.ndjson in it", rc == 1 and "checked 9 bodies from 2 file(s)"
           in out, out)

    with tempfile.TemporaryDirectory() as tmp:
        rc, out = run(spec, os.path.join(tmp, "does-not-exist"))
        expect("no capture file: nothing to check", rc == 0 and "no capture file" in out, out)
        open(os.path.join(tmp, "empty.ndjson"), "w").close()
        rc, out = run(spec, tmp)
        expect("empty captures: nothing to check",
               rc == 0 and "only empty capture files" in out, out)
        rc, out = run(os.path.join(tmp, "no-spec.yaml"), tmp)
        expect("missing spec: skip (77)", rc == 77, out)

        with open(os.path.join(tmp, "odd.ndjson"), "w") as f:
            f.write(capture_line("PUT", "/api.xro/2.0/Invoices", "{not json"))
            f.write("not a capture line\n")
            f.write(capture_line("PUT", "/api.xro/2.0/NoSuchThing", {}))
        rc, out = run(spec, os.path.join(tmp, "odd.ndjson"))
        expect("malformed input fails", rc == 1 and "the body is not JSON" in out and
               "not a capture line" in out and "no path of the spec matches /NoSuchThing" in out,
               out)

        synthetic = os.path.join(tmp, "synthetic.yaml")
        with open(synthetic, "w") as f:
            f.write(SYNTHETIC_SPEC)
        things = os.path.join(tmp, "things.ndjson")
        with open(things, "w") as f:
            # 1: allOf: members of both branches, nullable and annotated members accepted.
            f.write(capture_line("PUT", "/api.xro/2.0/Things", {"Things": [
                {"Name": "a", "Size": 1.5, "Kind": None, "Note": None,
                 "Inner": {"Name": "b"}}]}))
            # 2: a path template; an unknown member of the composition.
            f.write(capture_line("POST", "/api.xro/2.0/Things/8f1c", {"Name": "a", "Colour": 1}))
            # 3: the literal path wins over the template; Base alone is strict.
            f.write(capture_line("POST", "/api.xro/2.0/Things/Special", {"Name": "a", "Size": 1}))
            # 4: strict inside a nested $ref; maxLength and a bad enum.
            f.write(capture_line("PUT", "/api.xro/2.0/Things", {"Things": [
                {"Name": "toolong", "Kind": "HUGE", "Inner": {"Size": 2}}]}))
            # 5: an operation without a JSON body, called without one.
            f.write(capture_line("POST", "/api.xro/2.0/Ping", ""))
            # 6: ... and with one.
            f.write(capture_line("POST", "/api.xro/2.0/Ping", {"x": 1}))
        rc, out = run(synthetic, things)
        expect("synthetic: 6 bodies, 2 pass", rc == 1 and "checked 6 bodies" in out and
               "2 passed, 4 failed" in out, out)
        for message in [
                "(%s:2) [POST /Things/{ThingID}]\n  $.Colour: unknown member 'Colour' (not in Thing)"
                % things,
                "(%s:3) [POST /Things/Special]\n  $.Size: unknown member 'Size' (not in Base)"
                % things,
                "$.Things[0].Inner.Size: unknown member 'Size' (not in Base)",
                "$.Things[0].Kind: 'HUGE' is not one of ['BIG', 'SMALL', None]",
                "$.Things[0].Name: 'toolong' is too long",
                "$: POST /Ping takes no JSON body"]:
            expect("synthetic reports: " + message.split("\n")[-1], message in out, out)
        expect("synthetic: body 1 passes", "things.ndjson:1)" not in out, out)
        expect("synthetic: body 5 passes", "things.ndjson:5)" not in out, out)

    print("selftest: %d check(s) failed" % len(failures) if failures else "selftest: all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
