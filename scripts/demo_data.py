#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the demo's documents: a month of a small agency's invoices and payments.

    demo_data.py DIR

DIR/invoices.ndjson  ~240 invoices for 20 clients (two of them already contacts in
                     Xero), drafts, sent and paid, NZD/AUD/USD, discounts, tracking,
                     plus five that xerod must refuse with a reason and one that is
                     not even a valid document
DIR/payments.ndjson  the full payment of every paid invoice, one overpayment and one
                     payment of a draft (both refused by Xero, in Xero's words)
DIR/totals.json      what each invoice comes to in Xero (checked by the demo)

Amounts follow Xero's rules as xero-sim applies them: each line rounded to cents
after its discount, GST 15% rounded per line.
"""
import json
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CLIENTS = ["Acme Ltd", "Globex", "Initech", "Umbrella Corp", "Hooli", "Stark Industries",
           "Wayne Enterprises", "Wonka Industries", "Cyberdyne Systems", "Soylent Ltd",
           "Tyrell Corp", "Oceanic Airlines", "Vandelay Industries", "Pied Piper",
           "Dunder Mifflin", "Prestige Worldwide", "Bluth Company", "Massive Dynamic",
           # Already contacts in the organisation: reused, never created twice.
           "ABC Furniture", "City Agency"]
WORK = [("DevFee", "Development", "150.00"), ("Support", "Support retainer hours", "99.00"),
        ("Services", "Design work", "120.00"), ("Services", "Project management", "110.00"),
        ("Hosting", "Hosting, monthly", "45.50")]
CENT = Decimal("0.01")


def cents(x):
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def total(doc):
    d = Decimal(doc.get("discount_percent", "0"))
    taxed = "tax" in doc
    amount = Decimal(0)
    for line in doc["lines"]:
        net = cents(Decimal(line["quantity"]) * Decimal(line["unit_price"]) * (1 - d / 100))
        amount += net + (cents(net * Decimal("0.15")) if taxed else 0)
    return amount


def main():
    out = Path(sys.argv[1])
    rng = random.Random(1001)
    invoices, payments, totals = [], [], {}
    for n in range(1, 241):
        number = 1000 + n
        currency = "NZD" if n % 10 else rng.choice(["AUD", "USD"])
        status = "draft" if n % 11 == 0 else ("paid" if n % 5 == 0 else "sent")
        day = 1 + n % 28
        doc = {"id": f"inv-{number}", "number": f"INV-{number}", "status": status,
               "client": {"name": rng.choice(CLIENTS)},
               "issue_date": f"2026-11-{day:02d}", "due_date": f"2026-12-{day:02d}",
               "currency": currency, "reference": f"PO {7000 + n}", "lines": []}
        if currency == "NZD":
            doc["tax"] = "GST on Income"
        if n % 7 == 0:
            doc["discount_percent"] = "10"
        if n % 4 == 0:
            doc["tracking"] = [{"name": "Region", "option": rng.choice(["North", "South"])}]
        for _ in range(rng.randint(1, 4)):
            kind, what, price = rng.choice(WORK)
            doc["lines"].append({"kind": kind, "description": what,
                                 "quantity": str(rng.choice([1, 2, 3, 4.5, 8, 10])),
                                 "unit_price": price})
        invoices.append(doc)
        totals[doc["id"]] = str(total(doc))
        if status == "paid":
            payments.append({"id": f"pay-{number}", "invoice_id": doc["id"],
                             "amount": str(total(doc)), "date": "2026-11-30",
                             "reference": f"Stripe ch_{number}"})
    # Refused by xerod before any call, each with a reason a bookkeeper understands.
    base = {"status": "sent", "client": {"name": "Globex"}, "issue_date": "2026-11-20",
            "currency": "NZD", "tax": "GST on Income",
            "lines": [{"kind": "Services", "description": "Workshop", "quantity": "1",
                       "unit_price": "800.00"}]}
    refused = [
        {"id": "inv-9001", "number": "INV-9001", **base, "currency": "EUR"},
        {"id": "inv-9002", "number": "INV-9002", **base, "kind": "retainer"},
        {"id": "inv-9003", "number": "INV-9003", **base,
         "lines": [{"quantity": "1", "unit_price": "800.00"}]},
        {"id": "inv-9004", "number": "INV-9004", **base, "tax": "VAT 20%"},
        {"id": "inv-9005", "number": "INV-9005", **base,
         "tracking": [{"name": "Region", "option": "Atlantis"}]},
    ]
    invoices.extend(refused)
    # Not a document at all: refused when enqueued, with its field path.
    invalid = {"id": "inv-9006", "status": "sent", "client": {"name": "Globex"},
               "issue_date": "2026-11-20", "currency": "NZD",
               "lines": [{"description": "Licences", "quantity": "3", "unit_price": "12,50"}]}
    # Refused by Xero, in Xero's words.
    payments.append({"id": "pay-over", "invoice_id": "inv-1001", "amount": "99999.00",
                     "date": "2026-11-30", "reference": "Overpaid"})
    draft = next(d for d in invoices if d["status"] == "draft")
    payments.append({"id": "pay-draft", "invoice_id": draft["id"], "amount": "10.00",
                     "date": "2026-11-30", "reference": "On a draft"})

    with open(out / "invoices.ndjson", "w") as f:
        for doc in invoices:
            f.write(json.dumps(doc) + "\n")
        f.write(json.dumps(invalid) + "\n")
    with open(out / "payments.ndjson", "w") as f:
        for doc in payments:
            f.write(json.dumps(doc) + "\n")
    with open(out / "totals.json", "w") as f:
        json.dump(totals, f)
    print(f"{len(invoices) + 1} invoice documents ({len(refused)} to be refused, 1 invalid), "
          f"{len(payments)} payments (2 to be refused by Xero), {len(CLIENTS)} clients")


if __name__ == "__main__":
    main()
