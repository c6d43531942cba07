"""The programs API for staff clients (an agency's own system, the RDEC's analysis tools): the programs
the token's user may see with their latest month and light, and the exception list.

Read only and thin over `yankao.programs.selectors`: another agency's programs never appear.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.core.working_days import taiwan_date
from yankao.programs.access import can_use_programs
from yankao.programs.models import Light
from yankao.programs.selectors import exceptions_list_cached, programs_visible

MAX_LIMIT = 500
FIELDS = (
    "code", "name", "program_type__code", "program_type__name", "control_level", "agency__code",
    "agency__name", "progress_method", "starts_on", "ends_on", "latest_period", "latest_planned",
    "latest_actual", "latest_execution_rate", "light",
)  # fmt: skip


@extend_schema_serializer(component_name="ProgramRow")
class ProgramRowSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    program_type = serializers.CharField(source="program_type__code")
    program_type_name = serializers.CharField(source="program_type__name")
    control_level = serializers.CharField()
    agency = serializers.CharField(source="agency__code")
    agency_name = serializers.CharField(source="agency__name")
    progress_method = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    latest_period = serializers.DateField(allow_null=True, help_text="最新送出月報之月份（該月1日）")
    latest_planned = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    latest_actual = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    latest_execution_rate = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    light = serializers.ChoiceField(choices=Light.choices)


def _require(request: Request) -> None:
    if not can_use_programs(request.user):
        raise PermissionDenied("您沒有檢視列管計畫的權限。")


class ProgramListApi(APIView):
    @extend_schema_serializer(component_name="ProgramPage")
    class OutputSerializer(serializers.Serializer[Any]):
        count = serializers.IntegerField()
        results = ProgramRowSerializer(many=True)

    @extend_schema(
        operation_id="programs_list",
        summary="列管計畫（含最新月報與燈號）",
        parameters=[
            OpenApiParameter("light", str, enum=Light.values, required=False),
            OpenApiParameter("agency", str, required=False, description="主辦機關代碼"),
            OpenApiParameter("limit", int, required=False, description=f"每頁筆數，上限 {MAX_LIMIT}"),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        _require(request)
        programs = programs_visible(user=request.user).order_by("code")
        if light := request.query_params.get("light"):
            programs = programs.filter(light=light)
        if agency := request.query_params.get("agency"):
            programs = programs.filter(agency__code=agency)
        limit = min(max(int(request.query_params.get("limit", 100) or 100), 1), MAX_LIMIT)
        offset = max(int(request.query_params.get("offset", 0) or 0), 0)
        rows = list(programs.values(*FIELDS)[offset : offset + limit])
        return Response({"count": programs.count(), "results": ProgramRowSerializer(rows, many=True).data})


@extend_schema_serializer(component_name="ProgramException")
class ExceptionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    agency_name = serializers.CharField()
    light = serializers.CharField()
    severity = serializers.IntegerField()
    issues = serializers.ListField(child=serializers.DictField(), help_text="[{kind, detail}]")


class ExceptionListApi(APIView):
    @extend_schema(
        operation_id="programs_exceptions",
        summary="待關注計畫（例外管理），嚴重者在前",
        responses={200: ExceptionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        _require(request)
        rows = exceptions_list_cached(user=request.user, today=taiwan_date(timezone.now()))
        return Response(
            [
                {
                    "code": row.code,
                    "name": row.name,
                    "agency_name": row.agency_name,
                    "light": row.light,
                    "severity": row.severity,
                    "issues": [{"kind": kind, "detail": detail} for kind, detail in row.issues],
                }
                for row in rows
            ]
        )
