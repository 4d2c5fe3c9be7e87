"""orphans.csv must hold exactly the order ids whose customer_id is not a customer, each
once, under an `order_id` header (the reference is computed here with the csv module)."""
import csv


def check(ctx):
    with open(ctx.path("data/customers.csv"), newline="") as f:
        customers = {row["customer_id"].strip() for row in csv.DictReader(f)}
    with open(ctx.path("data/orders.csv"), newline="") as f:
        expected = sorted({int(row["order_id"]) for row in csv.DictReader(f) if row["customer_id"].strip() not in customers})
    out = ctx.path("orphans.csv")
    if not ctx.expect(out.exists(), "orphans.csv was written"):
        return
    with open(out, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        ids = [row[0].strip() for row in reader if row]
    ctx.expect([h.strip() for h in header] == ["order_id"], f"its header is order_id (got {header})")
    try:
        got = [int(float(i)) for i in ids]
    except ValueError:
        got = []
    ctx.expect(len(got) == len(set(got)), "each order once")
    ctx.expect(sorted(set(got)) == expected, f"the orphan orders are {expected} (got {sorted(set(got))[:20]})")
