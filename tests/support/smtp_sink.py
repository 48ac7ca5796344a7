#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A real SMTP server for tests (aiosmtpd, Debian's python3-aiosmtpd).

Run with Debian's /usr/bin/python3 (a pyenv python on PATH may lack aiosmtpd):

  /usr/bin/python3 smtp_sink.py --port 2525 --dir OUT [options]

Every accepted message is stored as two files in OUT, numbered in order of arrival:
  msg-N.eml   the DATA exactly as received (after SMTP dot-unstuffing), CRLF line ends
  msg-N.json  {"mail_from", "rcpt_tos", "auth_user", "tls", "subject", "body", "html",
               "content_types": [...], "headers": [[name, raw value], ...], "defects": [...]}
              "subject", "body" and "html" are decoded by Python's email package (RFC 2047,
              MIME parts, quoted-printable, charset), independently of the code under test.
              "body" is the text/plain part (the whole body of a single-part message),
              "html" the text/html part (null when there is none); "content_types" lists
              every MIME entity's type in order, the message's first; "defects" is
              Python's complaints about any of them.
The .json file is written last (atomic rename): its presence means the message is complete.
OUT/ready is created once the server listens; OUT/auth-failures counts refused logins.
"""

import argparse
import asyncio
import email
import email.header
import email.policy
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True, help="where messages are stored")
    p.add_argument("--cert", help="PEM certificate: offers STARTTLS (or implicit TLS with --smtps)")
    p.add_argument("--key", help="PEM private key for --cert")
    p.add_argument("--smtps", action="store_true", help="implicit TLS on connect (needs --cert)")
    p.add_argument("--require-starttls", action="store_true",
                   help="refuse MAIL (530) until STARTTLS was done")
    p.add_argument("--user", help="accept AUTH PLAIN/LOGIN for this user (with --password)")
    p.add_argument("--password")
    p.add_argument("--auth-required", action="store_true", help="refuse MAIL (530) without AUTH")
    p.add_argument("--auth-require-tls", action="store_true",
                   help="offer AUTH only after STARTTLS (aiosmtpd's default; off here)")
    p.add_argument("--fail-auth", action="store_true", help="refuse every login with 535")
    p.add_argument("--echo-password", action="store_true",
                   help="a hostile server: put the password it got into the 535 reply")
    p.add_argument("--reject", action="append", default=[],
                   help="answer RCPT TO for this address with 550 (repeatable)")
    p.add_argument("--tempfail", action="append", default=[],
                   help="answer RCPT TO for this address with 451 (repeatable)")
    return p.parse_args()


def decoded_part(msg, content_type):
    """The first leaf part of `content_type` (text/plain also matches a message
    without Content-Type), decoded to str; None when there is none."""
    for part in msg.walk():
        if part.is_multipart() or part.get_content_type() != content_type:
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            return None
        return payload.decode(part.get_content_charset() or "us-ascii")
    return None


class Sink:
    def __init__(self, args):
        self.args = args
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in self.args.tempfail:
            return "451 4.3.0 <%s>: Temporary lookup failure" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.args.dir, "msg-%d" % self.count)
        raw = envelope.original_content or envelope.content
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        subject = msg.get("Subject")
        if subject is not None:
            subject = str(email.header.make_header(email.header.decode_header(subject)))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": session.auth_data.login.decode() if session.authenticated else None,
            "tls": session.ssl is not None,
            "subject": subject,
            "body": decoded_part(msg, "text/plain"),
            "html": decoded_part(msg, "text/html"),
            "content_types": [part.get_content_type() for part in msg.walk()],
            "headers": [[k, v] for k, v in msg.items()],
            "defects": [str(d) for part in msg.walk() for d in part.defects],
        }
        with open(base + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 Ok: queued as %d" % self.count

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (not self.args.fail_auth and isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.args.user
              and auth_data.password.decode() == self.args.password)
        if not ok:
            path = os.path.join(self.args.dir, "auth-failures")
            n = int(open(path).read()) if os.path.exists(path) else 0
            with open(path, "w") as f:
                f.write(str(n + 1))
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False makes aiosmtpd answer "535 5.7.8 Authentication credentials invalid".
        if self.args.echo_password and isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False,
                              message="535 5.7.8 wrong password " + auth_data.password.decode())
        return AuthResult(success=False, handled=False)


def main():
    args = parse_args()
    os.makedirs(args.dir, exist_ok=True)
    sink = Sink(args)
    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    def factory():
        kwargs = dict(hostname="sink.test", decode_data=False,
                      auth_require_tls=args.auth_require_tls,
                      auth_required=args.auth_required)
        if args.user or args.fail_auth:
            kwargs["authenticator"] = sink.authenticate
        else:
            # No AUTH offered at all.
            kwargs["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]
        if tls is not None and not args.smtps:
            kwargs["tls_context"] = tls
            kwargs["require_starttls"] = args.require_starttls
        return SMTP(sink, **kwargs)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, host=args.host, port=args.port, ssl=tls if args.smtps else None))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    with open(os.path.join(args.dir, "ready"), "w") as f:
        f.write(str(args.port))
    print("smtp_sink listening on %s:%d" % (args.host, args.port), flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
