"""The yearly cycle's API for staff clients: the tracked items with their marks, an update to one,
and a round's plan items. Thin over `yankao.programs.annual`: the selectors decide who sees what
(another agency's records never appear), the services what may be written (version-checked)."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import PlanItem, TrackedItem
from yankao.programs.annual.selectors.plan import plan_items_visible, plan_round_get
from yankao.programs.annual.selectors.tracked import (
    tracked_item_get,
    tracked_item_marks,
    tracked_items_visible,
)
from yankao.programs.annual.services.tracked import tracked_item_update_add


@extend_schema_serializer(component_name="TrackedItemRow")
class TrackedItemRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TrackedItem.Kind.choices)
    title = serializers.CharField()
    agency = serializers.CharField(help_text="主辦機關代碼")
    agency_name = serializers.CharField()
    started_on = serializers.DateField()
    due_on = serializers.DateField()
    held_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=TrackedItem.Status.choices)
    last_update_on = serializers.DateField(allow_null=True)
    next_update_on = serializers.DateField(allow_null=True, help_text="下次回報期限（依規則表回報週期）")
    overdue = serializers.BooleanField(help_text="逾預定完成日")
    update_late = serializers.BooleanField(help_text="回報逾期")
    version = serializers.IntegerField()


def _tracked_row(item: TrackedItem, today: Any) -> dict[str, Any]:
    marks = tracked_item_marks(item=item, today=today)
    return {
        "id": item.pk, "kind": item.kind, "title": item.title, "agency": item.agency.code,
        "agency_name": item.agency.name, "started_on": item.started_on, "due_on": item.due_on,
        "held_on": item.held_on, "status": item.status, "last_update_on": item.last_update_on,
        "next_update_on": marks.next_update_on, "overdue": marks.overdue, "update_late": marks.update_late,
        "version": item.version,
    }  # fmt: skip


class TrackedItemListApi(APIView):
    @extend_schema(
        operation_id="programs_annual_tracked_items_list",
        summary="列管事項（公正轉型、地方創生）及逾期標記",
        parameters=[
            OpenApiParameter("kind", str, enum=TrackedItem.Kind.values, required=False),
            OpenApiParameter("status", str, enum=TrackedItem.Status.values, required=False),
        ],
        responses={200: TrackedItemRowSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind", "")
        state = request.query_params.get("status", "")
        if kind and kind not in TrackedItem.Kind.values:
            raise ValidationError({"kind": ["不明的類別。"]})
        if state and state not in TrackedItem.Status.values:
            raise ValidationError({"status": ["不明的狀態。"]})
        today = taiwan_date(timezone.now())
        items = tracked_items_visible(user=request.user, kind=kind, status=state)
        return Response(TrackedItemRowSerializer([_tracked_row(i, today) for i in items], many=True).data)


class TrackedItemUpdateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        progress = serializers.CharField(help_text="辦理情形")
        version = serializers.IntegerField(help_text="讀取時的 version；他人已更新時回 409")

    @extend_schema(
        operation_id="programs_annual_tracked_item_update",
        summary="回報列管事項辦理情形",
        request=InputSerializer,
        responses={201: TrackedItemRowSerializer},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = tracked_item_get(
            user=request.user, item_id=item_id
        )  # NotFoundError → 404 (api_exception_handler)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A stale version is a ConflictError: 409 with the current version, nothing written.
        tracked_item_update_add(
            item=item, progress=data.validated_data["progress"], user=request.user,
            expected_version=data.validated_data["version"],
        )  # fmt: skip
        item.refresh_from_db()
        return Response(
            TrackedItemRowSerializer(_tracked_row(item, taiwan_date(timezone.now()))).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_serializer(component_name="PlanItemRow")
class PlanItemRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    sequence = serializers.IntegerField()
    title = serializers.CharField()
    goal = serializers.CharField()
    content = serializers.CharField()
    indicators = serializers.CharField()
    budget_thousands = serializers.DecimalField(max_digits=14, decimal_places=0)
    status = serializers.ChoiceField(choices=PlanItem.Status.choices)
    review_comment = serializers.CharField()
    version = serializers.IntegerField()


class PlanItemListApi(APIView):
    @extend_schema(
        operation_id="programs_annual_plan_items_list",
        summary="施政計畫先期作業的提報項目（機關順序）",
        parameters=[OpenApiParameter("status", str, enum=PlanItem.Status.values, required=False)],
        responses={200: PlanItemRowSerializer(many=True)},
    )
    def get(self, request: Request, year: int) -> Response:
        plan_round = plan_round_get(year=year)
        state = request.query_params.get("status", "")
        if state and state not in PlanItem.Status.values:
            raise ValidationError({"status": ["不明的狀態。"]})
        items = plan_items_visible(user=request.user, plan_round=plan_round, status=state)
        return Response(PlanItemRowSerializer(items, many=True).data)
