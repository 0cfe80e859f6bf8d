"""The "Next step" box at the top of every record page: what moves the deal on, as one primary
action, with an explanation and perhaps a few secondary actions.

The toolkit knows no sales object, so each app decides the next step for its own records and,
where it knows more about what happened downstream, for a lower app's records too (selling knows
that an opportunity already has a quotation; leads does not). Apps register a decider per model
in ``AppConfig.ready()``; the deciders are asked in ``order`` and the first that answers wins, so
a higher app registers a lower order than the app that owns the model.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class StepAction:
    """A button: a link (GET) or a form that POSTs to ``url`` (a state change)."""

    label: str
    url: str
    post: bool = False


@dataclass(frozen=True)
class NextStep:
    """``primary`` is None where nothing moves the record on, or the user may not do it; then
    ``note`` says who can. ``tone`` colours the box (a status: draft, sent, won, lost, ...).
    ``notice_template`` (beside the explanation) and ``extra_template`` (beside the actions, a
    reason form) render more, in the page's context plus ``extra_context``."""

    explanation: str
    primary: StepAction | None = None
    secondary: tuple[StepAction, ...] = ()
    note: str = ""
    tone: str = ""
    notice_template: str = ""
    extra_template: str = ""
    extra_context: dict = field(default_factory=dict)


Decider = Callable[[HttpRequest, object], NextStep | None]


@dataclass(frozen=True)
class _Registration:
    model: type
    order: int
    decide: Decider


_registry: list[_Registration] = []


def register_next_step(model: type, *, order: int, decide: Decider) -> None:
    """``decide(request, record)`` returns the record's next step, or None to let the next
    decider (a higher ``order``) answer."""
    _registry[:] = [r for r in _registry if not (r.model is model and r.decide is decide)]
    _registry.append(_Registration(model=model, order=order, decide=decide))


def next_step_for(request: HttpRequest, obj: object) -> NextStep | None:
    """The record's next step, decided once per request: a panel on the same page asks again
    (to leave out the buttons the box already offers) and gets the same answer for free."""
    key = (type(obj), getattr(obj, "pk", id(obj)))
    decided = request.__dict__.setdefault("_next_steps", {})
    if key not in decided:
        decided[key] = _decide(request, obj)
    return decided[key]


def offered_urls(step: NextStep | None) -> set[str]:
    """Where the box's buttons lead: a panel need not offer them a second time."""
    if step is None:
        return set()
    actions = ([step.primary] if step.primary else []) + list(step.secondary)
    return {action.url for action in actions}


def _decide(request: HttpRequest, obj: object) -> NextStep | None:
    for registration in sorted(_registry, key=lambda r: r.order):
        if isinstance(obj, registration.model):
            step = registration.decide(request, obj)
            if step is not None:
                return step
    return None
