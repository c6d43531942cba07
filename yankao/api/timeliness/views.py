"""The timeliness API: the audit's figures per agency, unit, category or month (read only).

The same numbers as the console's 時效統計, within the token owner's scope (the RDEC, inspectors and
auditors the whole city; a liaison or officer their agency's subtree).
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.api.query_params import date_param
from yankao.core.exceptions import ApplicationError, PermissionDeniedError
from yankao.timeliness.models import Category
from yankao.timeliness.selectors import figures_by

GROUPS = ("agency", "unit", "category", "month")


class TimelinessFiguresApi(APIView):
    @extend_schema_serializer(component_name="TimelinessFigure")
    class OutputSerializer(serializers.Serializer[Any]):
        key = serializers.CharField(help_text="機關 id、單位名稱、類別代碼或月份（YYYY-MM-01）")
        name = serializers.CharField(help_text="機關、單位、類別或月份（民國 YYY/MM）的名稱")
        total = serializers.IntegerField()
        on_time = serializers.IntegerField(help_text="依限辦結")
        late = serializers.IntegerField(help_text="逾限辦結")
        open_overdue = serializers.IntegerField(help_text="逾期未結")
        open = serializers.IntegerField(help_text="未結（未逾期）")
        overdue = serializers.IntegerField(help_text="逾期件數＝逾限辦結＋逾期未結")
        on_time_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
        on_time_rate_extended = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
        average_days_used = serializers.DecimalField(
            max_digits=9, decimal_places=2, allow_null=True, help_text="平均發文使用日數（一般公文）"
        )
        extended = serializers.IntegerField(help_text="展期件數")

    @extend_schema(
        operation_id="timeliness_figures_get",
        summary="公文時效統計（依機關、單位、類別或月份）",
        parameters=[
            OpenApiParameter("group", str, required=True, enum=GROUPS),
            OpenApiParameter(
                "from", str, required=True, description="收文日起（ISO 或民國 112/01/01）；以整月計"
            ),
            OpenApiParameter("to", str, required=True, description="收文日迄（含）"),
            OpenApiParameter("category", str, required=False, enum=tuple(Category.values)),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        group = params.get("group", "")
        category = params.get("category") or None
        try:
            if group not in GROUPS:
                raise ApplicationError(f"group 須為 {'、'.join(GROUPS)} 之一。")
            if category and category not in Category.values:
                raise ApplicationError("category 不是公文類別代碼。")
            rows = figures_by(
                user=request.user,
                group=group,  # type: ignore[arg-type]  # checked against GROUPS above
                date_from=date_param(request, "from", "收文日起"),
                date_to=date_param(request, "to", "收文日迄"),
                category=category,
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            raise ValidationError({"detail": error.message}) from error
        data = [
            {
                "key": str(row.key), "name": row.label, "total": row.total, "on_time": row.on_time,
                "late": row.late, "open_overdue": row.open_overdue, "open": row.open, "overdue": row.overdue,
                "on_time_rate": row.on_time_rate, "on_time_rate_extended": row.on_time_rate_extended,
                "average_days_used": row.average_days_used, "extended": row.extended,
            }
            for row in rows
        ]  # fmt: skip
        return Response(self.OutputSerializer(data, many=True).data)
