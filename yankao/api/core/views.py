"""The API over core: who am I, the agency tree, the working-day calendar, the rule table."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.api.query_params import date_param
from yankao.core.models import Agency, Role, RuleDateBasis, RuleStatus, RuleUnit
from yankao.core.permissions import is_city_wide
from yankao.core.selectors.agencies import agency_list_in_tree_order
from yankao.core.selectors.rules import rule_get
from yankao.core.selectors.working_day_spans import working_day_span


@extend_schema_serializer(component_name="AgencyRef")
class AgencyRefSerializer(serializers.Serializer[Agency]):
    code = serializers.CharField()
    name = serializers.CharField()


class UserMeApi(APIView):
    """The signed-in user: who they are, their role and agency."""

    permission_classes = (IsAuthenticated,)

    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField()
        display_name = serializers.CharField()
        role = serializers.ChoiceField(choices=Role.choices)
        role_label = serializers.CharField()
        agency = AgencyRefSerializer(allow_null=True)
        city_wide = serializers.BooleanField(help_text="True when the role spans every agency of the city.")

    @extend_schema(operation_id="me_get", responses=OutputSerializer, summary="目前登入的使用者")
    def get(self, request: Request) -> Response:
        user: Any = request.user
        data = {
            "username": user.username,
            "display_name": str(user),
            "role": user.role,
            "role_label": user.get_role_display(),
            "agency": user.agency,
            "city_wide": is_city_wide(user),
        }
        return Response(self.OutputSerializer(data).data)


class AgencyListApi(APIView):
    """The city's agency tree, parents before children (public)."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema_serializer(component_name="Agency")
    class OutputSerializer(serializers.Serializer[Any]):
        code = serializers.CharField()
        name = serializers.CharField()
        name_en = serializers.CharField()
        short_name = serializers.CharField()
        kind = serializers.ChoiceField(choices=Agency.Kind.choices)
        kind_label = serializers.CharField()
        parent = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.parent
            allow_null=True, help_text="The parent agency's code; null for the root."
        )
        depth = serializers.IntegerField(help_text="0 for the root.")

    @extend_schema(operation_id="agencies_list", responses=OutputSerializer(many=True), summary="機關樹")
    def get(self, request: Request) -> Response:
        rows = [
            {
                "code": agency.code,
                "name": agency.name,
                "name_en": agency.name_en,
                "short_name": agency.display_short_name,
                "kind": agency.kind,
                "kind_label": agency.get_kind_display(),
                "parent": agency.parent.code if agency.parent else None,
                "depth": depth,
            }
            for agency, depth in agency_list_in_tree_order()
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


class CalendarWorkingDaysApi(APIView):
    """Working days and days off between two dates, both inclusive (public)."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema_serializer(component_name="DayOff")
    class DayOffSerializer(serializers.Serializer[Any]):
        date = serializers.DateField()
        description = serializers.CharField(help_text="The holiday's or override's name; 週末 for a weekend.")
        source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
            help_text="weekend, national, typhoon, correction or official_calendar."
        )

    @extend_schema_serializer(component_name="WorkingDays")
    class OutputSerializer(serializers.Serializer[Any]):
        def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
            # "from" is a Python keyword, so the fields are listed here rather than as attributes.
            return {
                "from": serializers.DateField(source="first"),
                "to": serializers.DateField(source="last"),
                "working_day_count": serializers.IntegerField(),
                "day_off_count": serializers.IntegerField(),
                "days_off": CalendarWorkingDaysApi.DayOffSerializer(many=True),
            }

    @extend_schema(
        operation_id="calendar_working_days",
        parameters=[
            OpenApiParameter(
                "from", str, required=True, description="起始日（含）：ISO 2024-01-01 或民國 113/01/01"
            ),
            OpenApiParameter(
                "to", str, required=True, description="結束日（含）：ISO 2024-12-31 或民國 113/12/31"
            ),
        ],
        responses=OutputSerializer,
        summary="期間內的工作日數與放假日",
    )
    def get(self, request: Request) -> Response:
        first = date_param(request, "from", "起始日")
        last = date_param(request, "to", "結束日")
        span = working_day_span(first=first, last=last)
        data = {
            "first": span.first,
            "last": span.last,
            "working_day_count": span.working_day_count,
            "day_off_count": len(span.days_off),
            "days_off": span.days_off,
        }
        return Response(self.OutputSerializer(data).data)


class RuleGetApi(APIView):
    """The version of a rule in force on a date (staff): what a deadline or threshold is, and its source."""

    permission_classes = (IsAuthenticated,)

    @extend_schema_serializer(component_name="RuleVersion")
    class OutputSerializer(serializers.Serializer[Any]):
        key = serializers.CharField()
        qualifier = serializers.CharField()
        title = serializers.CharField()
        value = serializers.DecimalField(max_digits=14, decimal_places=4)
        unit = serializers.ChoiceField(choices=RuleUnit.choices)
        effective_from = serializers.DateField()
        date_basis = serializers.ChoiceField(choices=RuleDateBasis.choices)
        status = serializers.ChoiceField(choices=RuleStatus.choices)
        source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source

    @extend_schema(
        operation_id="rule_get",
        parameters=[
            OpenApiParameter(
                "on", str, required=True, description="案件的判定日：ISO 2024-05-01 或民國 113/05/01"
            ),
            OpenApiParameter("qualifier", str, required=False, description="適用範圍，例如 mayors_mailbox"),
        ],
        responses=OutputSerializer,
        summary="某日生效的規則版本",
    )
    def get(self, request: Request, key: str) -> Response:
        on = date_param(request, "on", "判定日")
        version = rule_get(key=key, on=on, qualifier=request.query_params.get("qualifier", ""))
        return Response(self.OutputSerializer(version).data)
