"""The pipeline board, and the stage move that it and the opportunity page post to."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.access import Action, access_filter, can
from crm.access.views import AccessQuerysetMixin
from crm.errors import DomainError
from crm.models import Salesperson
from crm.views.mixins import MyRecordsMixin
from crm.views.records import ObjectActionView
from leads import selectors, services
from leads.forms import OpportunityMoveForm
from leads.models import Lead, LostReason, Opportunity, OpportunityStage


def _options(rows: list[tuple[int | str, str, str]]) -> SafeString:
    """``<option>`` tags from (value, attributes, label); the attributes are ours, not input."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(attributes), label) for value, attributes, label in rows),
    )


def _stage_options(stages: list[OpportunityStage], selected: OpportunityStage) -> SafeString:
    return _options(
        [
            (
                stage.pk,
                (" selected" if stage.pk == selected.pk else "")
                + (" data-lost" if stage.kind == OpportunityStage.Kind.LOST else ""),
                stage.name,
            )
            for stage in stages
        ]
    )


class SalespersonBoardMixin(MyRecordsMixin):
    """A board's "Mine / Everyone's" and its salesperson filter: ``?owner=mine`` shows the
    user's own records (if the user is on the sales team), ``?owner=all`` everyone's, and a
    salesperson starts on their own. ``?salesperson=<id>`` shows one salesperson's."""

    @cached_property
    def salespeople(self) -> list[Salesperson]:
        return list(
            Salesperson.objects.filter(company=self.request.company)
            .only("pk", "company_id", "name", "user_id")
            .order_by("name", "pk")
        )

    @cached_property
    def my_salesperson(self) -> Salesperson | None:
        return next(
            (person for person in self.salespeople if person.user_id == self.request.user.pk),
            None,
        )

    @cached_property
    def my_salesperson_id(self) -> int | None:
        # From the salespeople the filter lists anyway: no query of its own.
        return self.my_salesperson.pk if self.my_salesperson else None

    @cached_property
    def selected_salesperson(self) -> Salesperson | None:
        if self.owner_choice == "mine":
            return self.my_salesperson
        requested = self.request.GET.get("salesperson", "")
        return next((person for person in self.salespeople if str(person.pk) == requested), None)

    @property
    def board_query(self) -> str:
        """The query a column's "Show more" carries: whose cards the board shows, said
        explicitly, so the next cards are the same person's (or everyone's)."""
        selected = self.selected_salesperson
        return urlencode({"salesperson": selected.pk} if selected else {self.owner_param: "all"})

    def board_url(self) -> str:
        return f"{reverse(self.board_url_name)}?{self.board_query}"

    def more_offset(self) -> int:
        try:
            return max(int(self.request.GET.get("offset", "")), 0)
        except ValueError:
            return 0

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selected = self.selected_salesperson
        context.update(
            board_query=self.board_query,
            salespeople=self.salespeople,
            selected_salesperson=selected,
            my_salesperson=self.my_salesperson,
            showing_mine=selected is not None and selected == self.my_salesperson,
            not_on_sales_team=(
                self.request.GET.get(self.owner_param) == "mine" and self.my_salesperson is None
            ),
        )
        return context


class OpportunityBoardView(SalespersonBoardMixin, TemplateView):
    """One column per stage, with the lists' "Mine / Everyone's" (``SalespersonBoardMixin``).

    Links from before the board spoke ``owner`` say ``?mine=1``; they are redirected.
    """

    model = Opportunity
    template_name = "leads/opportunity_board.html"
    board_url_name = "leads:opportunity_board"

    def get(self, request, *args, **kwargs):
        if "mine" in request.GET:
            query = request.GET.copy()
            mine = query.pop("mine")
            if mine == ["1"] and self.owner_param not in query:
                query[self.owner_param] = "mine"
            encoded = query.urlencode()
            return HttpResponseRedirect(f"{request.path}?{encoded}" if encoded else request.path)
        return super().get(request, *args, **kwargs)

    def owner_session_key(self) -> str:
        # Remembered apart from the opportunity list's choice, as each list keeps its own.
        return "list_owner:leads.opportunity_board"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        company = self.request.company
        selected = self.selected_salesperson
        user = self.request.user
        board = selectors.pipeline_board(
            company=company,
            salesperson_id=selected.pk if selected else None,
            visible=access_filter(user, company, Opportunity, Action.VIEW),
        )
        _mark_movable(user, company, board.columns)
        stages = [column.stage for column in board.columns]
        lost_reasons = _lost_reasons(company)
        context.update(
            board=board,
            # Every card of a column has the same move form, so its choices are built once per
            # column rather than looped over per card (a full board has hundreds of cards).
            columns=[(column, _stage_options(stages, column.stage)) for column in board.columns],
            reason_options=_reason_options(lost_reasons),
            stages=stages,
            lost_reasons=lost_reasons,
            today=timezone.localdate(),
        )
        return context


def _mark_movable(user, company, columns) -> None:
    for column in columns:
        for card in column.cards:
            # A card the user may not move has no move form (the move would be a 404).
            card.movable = can(user, company, card, Action.EDIT)


def _lost_reasons(company) -> list[LostReason]:
    return list(LostReason.objects.filter(company=company).order_by("name", "pk"))


def _reason_options(lost_reasons: list[LostReason]) -> SafeString:
    return _options([(reason.pk, "", reason.name) for reason in lost_reasons])


class BoardMoreView(SalespersonBoardMixin, TemplateView):
    """A column's "Show more" (htmx): its next cards after ``?offset=``, appended to the
    column, and the column's "more" link redrawn (out of band) for the cards after those.
    Without htmx the link is a plain link to the list; opened directly, this goes there too."""

    def get(self, request, *args, **kwargs):
        if not request.htmx:
            return HttpResponseRedirect(self.list_url())
        return super().get(request, *args, **kwargs)


class OpportunityBoardMoreView(BoardMoreView):
    model = Opportunity
    url_models = {"pk": OpportunityStage}  # the column's stage (the URL walks fill it so)
    template_name = "leads/partials/_opportunity_board_column_more.html"
    board_url_name = "leads:opportunity_board"

    def owner_session_key(self) -> str:
        return "list_owner:leads.opportunity_board"

    @cached_property
    def stages(self) -> list[OpportunityStage]:
        return list(
            OpportunityStage.objects.filter(company=self.request.company).order_by("order", "pk")
        )

    @cached_property
    def stage(self) -> OpportunityStage:
        stage = next((stage for stage in self.stages if stage.pk == self.kwargs["pk"]), None)
        if stage is None:
            raise Http404
        return stage

    def list_url(self) -> str:
        return f"{reverse('leads:opportunity_list')}?{urlencode({'stage': self.stage.pk})}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        company = self.request.company
        selected = self.selected_salesperson
        user = self.request.user
        column = selectors.pipeline_column_more(
            company=company,
            stage=self.stage,
            salesperson_id=selected.pk if selected else None,
            visible=access_filter(user, company, Opportunity, Action.VIEW),
            offset=self.more_offset(),
        )
        _mark_movable(user, company, [column])
        context.update(
            column=column,
            stage=self.stage,
            stage_options=_stage_options(self.stages, self.stage),
            reason_options=_reason_options(_lost_reasons(company)),
            currency=company.currency,
            next_url=self.board_url(),
            today=timezone.localdate(),
            oob=True,
        )
        return context


class LeadBoardView(SalespersonBoardMixin, TemplateView):
    """One column per lead status, with the same "Mine / Everyone's" and salesperson filter as
    the pipeline board. Each card the user may edit has a "Move to" form that posts to the
    lead page's status change (``LeadStatusView``) and comes back here."""

    model = Lead
    template_name = "leads/lead_board.html"
    board_url_name = "leads:lead_board"

    def owner_session_key(self) -> str:
        return "list_owner:leads.lead_board"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        company = self.request.company
        user = self.request.user
        selected = self.selected_salesperson
        columns = selectors.lead_board(
            company=company,
            salesperson_id=selected.pk if selected else None,
            visible=access_filter(user, company, Lead, Action.VIEW),
        )
        _mark_movable(user, company, columns)
        lost_reasons = _lost_reasons(company)
        context.update(
            # Where a status may move to is the same for every card of its column: the options
            # are built once per column (a converted lead moves nowhere, so it has none).
            columns=[(column, _status_options(column.status)) for column in columns],
            reason_options=_reason_options(lost_reasons),
            lead_count=sum(column.count for column in columns),
        )
        return context


def _status_options(status: str) -> SafeString:
    labels = dict(Lead.Status.choices)
    return _options(
        [
            (option, " data-lost" if option == Lead.Status.LOST else "", labels[option])
            for option in Lead.Status.values
            if option in Lead.TRANSITIONS[status]
        ]
    )


class LeadBoardMoreView(BoardMoreView):
    model = Lead
    template_name = "leads/partials/_lead_board_column_more.html"
    board_url_name = "leads:lead_board"

    def owner_session_key(self) -> str:
        return "list_owner:leads.lead_board"

    @cached_property
    def status(self) -> str:
        if self.kwargs["status"] not in Lead.Status.values:
            raise Http404
        return self.kwargs["status"]

    def list_url(self) -> str:
        return f"{reverse('leads:lead_list')}?{urlencode({'status': self.status})}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        company = self.request.company
        selected = self.selected_salesperson
        user = self.request.user
        column = selectors.lead_column_more(
            company=company,
            status=self.status,
            salesperson_id=selected.pk if selected else None,
            visible=access_filter(user, company, Lead, Action.VIEW),
            offset=self.more_offset(),
        )
        _mark_movable(user, company, [column])
        context.update(
            column=column,
            status_options=_status_options(self.status),
            reason_options=_reason_options(_lost_reasons(company)),
            next_url=self.board_url(),
            oob=True,
        )
        return context


class OpportunityStageView(AccessQuerysetMixin, ObjectActionView):
    """Moves the opportunity to the posted stage, then goes back to ``next`` (the board with
    its filters) or to the opportunity; a refusal comes back as a message. Moving is editing:
    an opportunity outside the user's edit level is a 404."""

    model = Opportunity
    access_action = Action.EDIT

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            back = self.act(self.object)
        except DomainError as error:
            messages.error(
                request,
                _("%(opportunity)s was not moved: %(reason)s")
                % {"opportunity": self.object, "reason": error.message},
            )
            back = self.back_url()
        return HttpResponseRedirect(back)

    def act(self, opportunity) -> str:
        form = OpportunityMoveForm(self.request.POST, company=self.request.company)
        if not form.is_valid():
            raise DomainError(
                " ".join(
                    f"{form.fields[name].label}: {error}" if name != "__all__" else error
                    for name, errors in form.errors.items()
                    for error in errors
                )
            )
        stage = form.cleaned_data["stage"]
        if stage.pk == opportunity.stage_id:
            messages.info(
                self.request,
                _("%(opportunity)s is already in %(stage)s.")
                % {"opportunity": opportunity, "stage": stage},
            )
            return self.back_url()
        services.opportunity_set_stage(
            opportunity=opportunity,
            stage=stage,
            lost_reason=form.cleaned_data["lost_reason"],
            probability=form.cleaned_data["probability"],
            actor=self.request.user,
        )
        messages.success(
            self.request,
            _("%(opportunity)s moved to %(stage)s.") % {"opportunity": opportunity, "stage": stage},
        )
        return self.back_url()

    def back_url(self) -> str:
        requested = self.request.POST.get("next", "")
        if requested and url_has_allowed_host_and_scheme(
            requested,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return requested
        return self.object.get_absolute_url()
