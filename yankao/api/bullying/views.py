"""The bullying API: aggregate figures only (ADR 0012).

No endpoint returns a report, a number, a school or a name: designated staff work reports in the
console, where each read is audited. Any city staff member's token may read the figures.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.api.query_params import date_param
from yankao.bullying.selectors import bullying_statistics
from yankao.core.exceptions import ApplicationError, PermissionDeniedError


class CountSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    count = serializers.IntegerField()


class BullyingStatisticsApi(APIView):
    @extend_schema_serializer(component_name="BullyingStatistics")
    class OutputSerializer(serializers.Serializer[Any]):
        date_from = serializers.DateField()
        date_to = serializers.DateField()
        as_of = serializers.DateField()
        total = serializers.IntegerField()
        accepted = serializers.IntegerField()
        not_accepted = serializers.IntegerField()
        pending = serializers.IntegerField(help_text="Received, not screened yet on as_of.")
        by_source = CountSerializer(many=True)
        accepted_by_status = CountSerializer(many=True)

    @extend_schema(
        operation_id="bullying_statistics_get",
        summary="校園霸凌通報統計（僅彙總數字）",
        parameters=[
            OpenApiParameter("from", str, required=True, description="收件日起（ISO 或民國 113/01/01）"),
            OpenApiParameter("to", str, required=True, description="收件日迄（含）"),
            OpenApiParameter("as_of", str, required=False, description="處理情形統計基準日，預設同迄日"),
        ],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        try:
            first = date_param(request, "from", "收件日起")
            last = date_param(request, "to", "收件日迄")
            as_of = date_param(request, "as_of", "統計基準日") if request.query_params.get("as_of") else None
            stats = bullying_statistics(user=request.user, first=first, last=last, as_of=as_of)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            raise ValidationError({"detail": error.message}) from error
        data = {
            "date_from": stats.first,
            "date_to": stats.last,
            "as_of": stats.as_of,
            "total": stats.total,
            "accepted": stats.accepted,
            "not_accepted": stats.not_accepted,
            "pending": stats.pending,
            "by_source": [{"name": label, "count": count} for label, count in stats.by_source],
            "accepted_by_status": [
                {"name": label, "count": count} for label, count in stats.accepted_by_status
            ],
        }
        return Response(self.OutputSerializer(data).data)
