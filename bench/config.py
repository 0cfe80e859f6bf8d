"""What one benchmark run measures: the two data sizes, the durations, the client counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# DESIGN.md's bar: gunicorn with 2 workers, 4 clients.
SERVER_WORKERS = 2
CLIENTS = 4
CONVERSION_CLIENTS = 32
# Rows a list page shows in the benchmark (bench.settings.PAGE_SIZE), as many as the floor.
ROWS_PER_PAGE = 50
# The deep page: the same page number at both sizes (rows 7,451-7,500 of everyone's leads).
DEEP_PAGE = 150
SEED = 2026
# One password for every benchmark login; the database is the benchmark's own, on 127.0.0.1.
PASSWORD = "bench-pass-2026-local-only"


@dataclass(frozen=True)
class Size:
    """One company of the run and how much the generator puts in it."""

    label: str  # "small" or "large"
    slug: str
    leads: int

    # The funnel, scaled on the leads: a fifth become opportunities, about as many customers
    # exist (some came another way), and fewer quotations and orders again.
    @property
    def customers(self) -> int:
        return max(self.leads // 5, 100)

    @property
    def opportunities(self) -> int:
        return max(self.leads // 5, 100)

    @property
    def quotations(self) -> int:
        return max(self.leads // 20, 50)

    @property
    def orders(self) -> int:
        return max(self.leads // 40, 25)

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "customers": self.customers,
            "opportunities": self.opportunities,
            "quotations": self.quotations,
            "orders": self.orders,
        }


@dataclass(frozen=True)
class RunConfig:
    quick: bool
    small: Size
    large: Size
    duration: float  # seconds each page is measured
    warmup: float  # seconds of unmeasured load before that
    conversion_duration: float
    clients: int = CLIENTS
    conversion_clients: int = CONVERSION_CLIENTS
    workers: int = SERVER_WORKERS
    deep_page: int = DEEP_PAGE
    seed: int = SEED

    @property
    def sizes(self) -> tuple[Size, Size]:
        return (self.small, self.large)

    def as_dict(self) -> dict:
        return {
            "quick": self.quick,
            "sizes": [size.as_dict() for size in self.sizes],
            "duration_s": self.duration,
            "warmup_s": self.warmup,
            "conversion_duration_s": self.conversion_duration,
            "clients": self.clients,
            "conversion_clients": self.conversion_clients,
            "gunicorn_workers": self.workers,
            "deep_page": self.deep_page,
            "seed": self.seed,
        }


def make_config(
    *,
    quick: bool,
    small_leads: int | None = None,
    large_leads: int | None = None,
    duration: float | None = None,
    conversion_duration: float | None = None,
) -> RunConfig:
    """The full run (10k and 1M leads, 20 s a page) or the quick one (10k and 100k, 6 s)."""
    small = Size("small", "bench-small", small_leads or 10_000)
    large = Size("large", "bench-large", large_leads or (100_000 if quick else 1_000_000))
    return RunConfig(
        quick=quick,
        small=small,
        large=large,
        # A page that exists at both sizes (a smaller --small has fewer pages).
        deep_page=max(1, min(DEEP_PAGE, small.leads // ROWS_PER_PAGE)),
        duration=duration or (6.0 if quick else 20.0),
        warmup=1.5 if quick else 3.0,
        conversion_duration=conversion_duration or (8.0 if quick else 30.0),
    )
