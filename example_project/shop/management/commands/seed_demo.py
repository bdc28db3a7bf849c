"""``manage.py seed_demo``: two weeks of made-up traffic, so the experiment report has data.

Visitors are bucketed into the demo project's two active experiences (the stand-in's sample
config) and some convert, at rates that differ by variation. The conversions are stored as
already delivered (status "sent", origin "seed_demo"): nothing is sent anywhere.
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from django_convert.models import Bucketing, Conversion, Exposure, Visitor

PURCHASE, ADD_TO_CART = "100037225", "100037226"
#: experience id -> {variation id: (share of visitors, purchase rate)}
EXPERIENCES = {
    "100127238": {"1001186427": (0.5, 0.040), "1001186428": (0.5, 0.056)},
    "100127239": {
        "1001186400": (1 / 3, 0.045),
        "1001186401": (1 / 3, 0.047),
        "1001186402": (1 / 3, 0.044),
    },
}
ORIGIN = "seed_demo"


def _pick(rng: random.Random, variations: dict[str, tuple[float, float]]) -> str:
    point, total = rng.random(), 0.0
    for variation_id, (share, _rate) in variations.items():
        total += share
        if point < total:
            return variation_id
    return variation_id


class Command(BaseCommand):
    help = "Seed made-up visitors, bucketing and conversions for the experiment report demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--visitors", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, *args: Any, visitors: int, days: int, seed: int, **options: Any) -> None:
        if visitors < 1 or days < 1:
            raise ValueError("--visitors and --days must be positive")
        rng = random.Random(seed)
        now = timezone.now()
        start = now - timedelta(days=days)
        rows = [
            Visitor(visitor_id=f"demo-{seed}-{n}", source=rng.choice(["direct", "search"]))
            for n in range(visitors)
        ]
        Visitor.objects.bulk_create(rows, batch_size=1000)
        ids = dict(
            Visitor.objects.filter(visitor_id__startswith=f"demo-{seed}-").values_list(
                "visitor_id", "pk"
            )
        )
        bucketings, conversions = [], []
        for visitor in rows:
            seen = start + timedelta(seconds=rng.randrange(days * 86400 - 3600))
            assigned = {exp: _pick(rng, variations) for exp, variations in EXPERIENCES.items()}
            for experience_id, variation_id in assigned.items():
                bucketings.append(
                    Bucketing(
                        visitor_id=ids[visitor.visitor_id],
                        experience_id=experience_id,
                        variation_id=variation_id,
                        first_seen=seen,
                        last_seen=seen,
                    )
                )
            # The purchase rate is the checkout experiment's, nudged by the banner's.
            checkout, banner = assigned["100127238"], assigned["100127239"]
            rate = EXPERIENCES["100127238"][checkout][1] + (
                EXPERIENCES["100127239"][banner][1] - 0.045
            )
            when = seen + timedelta(minutes=rng.randrange(1, 50))
            common = {"visitor_id": visitor.visitor_id, "bucketing": assigned, "origin": ORIGIN}
            if rng.random() < rate * 3:
                conversions.append(
                    Conversion(
                        goal_id=ADD_TO_CART,
                        transaction_id=f"CART-{visitor.visitor_id}",
                        created_at=when,
                        **common,
                    )
                )
            if rng.random() < rate:
                amount = Decimal(round(rng.lognormvariate(3.7, 0.5), 2)).quantize(Decimal("0.01"))
                conversions.append(
                    Conversion(
                        goal_id=PURCHASE,
                        transaction_id=f"DEMO-{visitor.visitor_id}",
                        amount=amount,
                        products_count=rng.randint(1, 4),
                        created_at=when + timedelta(minutes=5),
                        **common,
                    )
                )
        for conversion in conversions:
            conversion.status = Conversion.Status.SENT
            conversion.attempts = 1
            conversion.sent_at = conversion.created_at
        Bucketing.objects.bulk_create(bucketings, batch_size=1000)
        # The exposure history the ingest keeps beside the bucketing (the report counts on
        # it): each seeded visitor was seen in one variation per experience.
        Exposure.objects.bulk_create(
            [
                Exposure(
                    visitor_id=b.visitor_id,
                    experience_id=b.experience_id,
                    variation_id=b.variation_id,
                    first_seen=b.first_seen,
                    last_seen=b.last_seen,
                    is_first=True,
                )
                for b in bucketings
            ],
            batch_size=1000,
        )
        Conversion.objects.bulk_create(conversions, batch_size=1000)
        self.stdout.write(
            f"Seeded {len(rows)} visitors over {days} days, {len(bucketings)} bucketing rows "
            f"and {len(conversions)} conversions (stored as sent; nothing was sent)."
        )
