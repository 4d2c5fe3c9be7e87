"""Generate the example workspace's sample data: data/customers.csv and data/orders.csv.

Deterministic (fixed seed) and standard library only, so anyone can re-create the files:

    python examples/data/generate.py

The data is fictional. It keeps a few flaws on purpose, for the chat to find: missing values,
one customer row exported twice, one order loaded twice, and orders whose customer is unknown.
"""

import csv
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SEED = 20240301
N_CUSTOMERS = 200
N_ORDERS = 500
HERE = Path(__file__).resolve().parent

FIRST_NAMES = [
    "Anna", "Lukas", "Emma", "Noah", "Mia", "Elias", "Sofia", "Louis", "Lea", "Jonas",
    "Chloe", "Hugo", "Julia", "Mateo", "Alba", "Lars", "Freja", "Piotr", "Zofia", "Marco",
]
CITIES = {
    "DE": ["Berlin", "Hamburg", "Munich", "Cologne"],
    "FR": ["Paris", "Lyon", "Toulouse"],
    "NL": ["Amsterdam", "Utrecht", "Rotterdam"],
    "ES": ["Madrid", "Barcelona", "Valencia"],
    "IT": ["Milan", "Rome", "Turin"],
    "PL": ["Warsaw", "Krakow"],
    "SE": ["Stockholm", "Gothenburg"],
}
COUNTRY_WEIGHTS = {"DE": 30, "FR": 20, "NL": 15, "ES": 12, "IT": 12, "PL": 6, "SE": 5}
SEGMENTS = ["new", "regular", "vip"]
CHANNELS = ["web", "app", "marketplace"]
STATUSES = ["completed", "cancelled", "returned", "pending"]


def make_customers(rng: random.Random) -> list[dict]:
    rows = []
    start = date(2022, 1, 1)
    for i in range(1, N_CUSTOMERS + 1):
        country = rng.choices(list(COUNTRY_WEIGHTS), weights=COUNTRY_WEIGHTS.values())[0]
        first = rng.choice(FIRST_NAMES)
        rows.append({
            "customer_id": 1000 + i,
            "email": f"{first.lower()}.{1000 + i}@example.com",
            "first_name": first,
            "country": country,
            # Some customers never gave a city.
            "city": "" if rng.random() < 0.06 else rng.choice(CITIES[country]),
            "signup_date": (start + timedelta(days=rng.randrange(0, 730))).isoformat(),
            # The segment is computed by a job that has not seen the newest customers yet.
            "segment": "" if rng.random() < 0.05 else rng.choices(SEGMENTS, weights=[5, 4, 1])[0],
            "marketing_opt_in": str(rng.random() < 0.55).lower(),
        })
    # One customer exported twice by the CRM.
    rows.insert(57, dict(rows[41]))
    return rows


def make_orders(rng: random.Random, customer_ids: list[int]) -> list[dict]:
    rows = []
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for _ in range(N_ORDERS):
        items = rng.choices([1, 2, 3, 4, 5], weights=[40, 30, 15, 10, 5])[0]
        amount = round(sum(rng.uniform(9.0, 120.0) for _ in range(items)), 2)
        has_discount = rng.random() < 0.3
        ts = start + timedelta(seconds=rng.randrange(0, 90 * 24 * 3600))
        rows.append({
            "order_id": 0,  # numbered below, in time order
            "customer_id": rng.choice(customer_ids),
            "order_ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": rng.choices(STATUSES, weights=[80, 8, 7, 5])[0],
            # Some orders arrive without their sales channel.
            "channel": "" if rng.random() < 0.04 else rng.choices(CHANNELS, weights=[55, 30, 15])[0],
            "items": items,
            "currency": "EUR",
            "amount": f"{amount:.2f}",
            # Missing discount means "no discount recorded", not zero: a question worth asking.
            "discount": (f"{round(amount * rng.choice([0.05, 0.1, 0.2]), 2):.2f}" if has_discount
                         else ("" if rng.random() < 0.5 else "0.00")),
            "shipping_fee": "0.00" if amount >= 50 else "4.95",
        })
    rows.sort(key=lambda r: r["order_ts"])
    for i, row in enumerate(rows, start=1):
        row["order_id"] = 500000 + i
    # Orders from customers deleted from the CRM (unknown customer ids).
    for row in rng.sample(rows, 3):
        row["customer_id"] = 9000 + row["order_id"] % 100
    # One order loaded twice by a retried ingestion job.
    rows.insert(301, dict(rows[300]))
    return rows


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    customers = make_customers(rng)
    orders = make_orders(rng, sorted({c["customer_id"] for c in customers}))
    write_csv(HERE / "customers.csv", customers)
    write_csv(HERE / "orders.csv", orders)
    print(f"wrote {len(customers)} customers and {len(orders)} orders to {HERE}")


if __name__ == "__main__":
    main()
