"""Leads and opportunities on the REST API (``/api/v1/leads/``, ``/api/v1/opportunities/``):
the pages' forms validate, ``leads.services`` writes; converting and moving are actions."""

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.access import Action
from crm.api.forms import action_input, form_serializer
from crm.api.router import router
from crm.api.viewsets import FormUpdateMixin, FormViewSet, ReadViewSet, ServiceDestroyMixin
from leads import services
from leads.filters import LeadFilter, OpportunityFilter
from leads.forms import (
    CompanyChoicesForm,
    LeadForm,
    LeadStatusForm,
    OpportunityForm,
    OpportunityMoveForm,
)
from leads.models import Lead, Opportunity, OpportunityStage

VERSIONED = ("version", "updated_at")


class LeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = [
            "id",
            "first_name",
            "last_name",
            "organization_name",
            "email",
            "phone",
            "source",
            "status",
            "lost_reason",
            "salesperson",
            "sales_partner",
            "notes",
            "created_at",
            *VERSIONED,
        ]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Opportunity
        fields = [
            "id",
            "lead",
            "title",
            "stage",
            "probability",
            "expected_close_date",
            "expected_amount",
            "lost_reason",
            "salesperson",
            "sales_partner",
            "created_at",
            *VERSIONED,
        ]
        read_only_fields = fields


class LeadConvertForm(CompanyChoicesForm):
    """What converting a lead may say: the opportunity's title and first stage (both optional:
    the lead's name and the company's first open stage, as on the page)."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None, required=False)

    company_querysets = {"stage": OpportunityStage}


LeadInput = form_serializer(LeadForm, "LeadInput")
OpportunityInput = form_serializer(OpportunityForm, "OpportunityInput")
LeadStatusInput = form_serializer(LeadStatusForm, "LeadStatusInput")
LeadConvertInput = form_serializer(LeadConvertForm, "LeadConvertInput")
OpportunityMoveInput = form_serializer(OpportunityMoveForm, "OpportunityMoveInput")


class LeadViewSet(FormViewSet):
    """The company's leads at your access level. Status moves and the conversion are actions."""

    model = Lead
    read_serializer_class = LeadSerializer
    input_serializer_class = LeadInput
    form_class = LeadForm
    filterset_class = LeadFilter

    def save_service(self, instance):
        return services.lead_save(lead=instance, actor=self.request.user)

    def delete_service(self, instance) -> None:
        services.lead_delete(lead=instance, actor=self.request.user)

    @extend_schema(request=LeadStatusInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def status(self, request, pk=None):
        """Move the lead to another status (a lost lead needs a lost reason)."""
        lead = self.get_object()
        form = action_input(self, LeadStatusInput, LeadStatusForm)
        lead = services.lead_set_status(
            lead=lead,
            status=form.cleaned_data["status"],
            lost_reason=form.cleaned_data["lost_reason"],
            actor=request.user,
        )
        return self.read(lead)

    @extend_schema(request=LeadConvertInput, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"], access_action=Action.CONVERT)
    def convert(self, request, pk=None):
        """Convert the lead to an opportunity; a lead converted before answers with the
        opportunity it became (converting twice makes no second one)."""
        lead = self.get_object()
        form = action_input(self, LeadConvertInput, LeadConvertForm)
        opportunity = services.lead_convert_to_opportunity(
            lead=lead,
            title=form.cleaned_data["title"] or None,
            stage=form.cleaned_data["stage"],
            actor=request.user,
        )
        return Response(OpportunitySerializer(opportunity).data)


class OpportunityViewSet(FormUpdateMixin, ServiceDestroyMixin, ReadViewSet):
    """The company's opportunities at your access level. They are opened by converting a lead
    (or from a customer); the stage moves with ``move``, which keeps the stage history."""

    model = Opportunity
    read_serializer_class = OpportunitySerializer
    input_serializer_class = OpportunityInput
    form_class = OpportunityForm
    filterset_class = OpportunityFilter

    def base_queryset(self):
        # OpportunityForm looks at the stage's kind (a lost one keeps its reason editable).
        return super().base_queryset().select_related("stage")

    def save_service(self, instance):
        return services.opportunity_save(opportunity=instance, actor=self.request.user)

    def delete_service(self, instance) -> None:
        services.opportunity_delete(opportunity=instance, actor=self.request.user)

    @extend_schema(request=OpportunityMoveInput, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def move(self, request, pk=None):
        """Move the opportunity to a stage (a lost stage needs a lost reason; the probability
        becomes the stage's unless given). Moving to the stage it is in changes nothing."""
        opportunity = self.get_object()
        form = action_input(self, OpportunityMoveInput, OpportunityMoveForm)
        opportunity = services.opportunity_set_stage(
            opportunity=opportunity,
            stage=form.cleaned_data["stage"],
            lost_reason=form.cleaned_data["lost_reason"],
            probability=form.cleaned_data["probability"],
            actor=request.user,
        )
        return self.read(opportunity)


router.register("leads", LeadViewSet, basename="lead")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
