"""The 1999 calls API: log a call from a telephony or CTI client, and read calls within one's scope.

Thin over `yankao.servicedesk.hotline_services.call_log` and the hotline selectors: the operators,
RDEC staff and the auditor read every call, an agency's officers only the calls behind the cases
dispatched to them. Numbers leave masked; only an operator's token may log a call.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.core.models import Agency
from yankao.core.roc_dates import roc_date_parse
from yankao.servicedesk.hotline_selectors import call_get_for_user, call_list_for_user
from yankao.servicedesk.hotline_services import call_log
from yankao.servicedesk.models import Call, CallOutcome, CallSource

MAX_LIMIT = 200
IDEMPOTENCY_KEY_MAX = 40  # with the "api:<user id>:" prefix, within Call.idempotency_key's 64 characters


@extend_schema_serializer(component_name="CallOut")
class CallSerializer(serializers.Serializer[Call]):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField()
    category = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    outcome_label = serializers.CharField(source="get_outcome_display")
    caller_phone_masked = serializers.CharField()
    summary = serializers.CharField()
    answer = serializers.CharField()
    case_number = serializers.SerializerMethodField()
    transferred_to = serializers.CharField()

    def get_category(self, call: Call) -> dict[str, str]:
        return {"code": call.category.code, "name": call.category.name}

    def get_case_number(self, call: Call) -> str | None:
        return call.case.number if call.case_id and call.case else None


class CallListApi(APIView):
    """Calls the token's user may see, newest first; keyset pages (`before` = the last id seen)."""

    @extend_schema_serializer(component_name="CallPage")
    class OutputSerializer(serializers.Serializer[Any]):
        results = CallSerializer(many=True)
        next_before = serializers.IntegerField(
            allow_null=True, help_text="Pass as `before` for the next page."
        )

    @extend_schema_serializer(component_name="CallIn")
    class InputSerializer(serializers.Serializer[Any]):
        started_at = serializers.DateTimeField(help_text="通話開始時間（ISO 8601）")
        ended_at = serializers.DateTimeField(required=False, allow_null=True, help_text="省略為現在。")
        outcome = serializers.ChoiceField(choices=CallOutcome.choices)
        category = serializers.CharField(help_text="類別代碼，例如 street_light")
        phone = serializers.CharField(required=False, allow_blank=True, default="")
        caller_name = serializers.CharField(required=False, allow_blank=True, default="")
        summary = serializers.CharField(required=False, allow_blank=True, default="")
        answer = serializers.CharField(required=False, allow_blank=True, default="")
        location_text = serializers.CharField(required=False, allow_blank=True, default="")
        district = serializers.SlugRelatedField(
            slug_field="code",
            queryset=Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": "不明的行政區代碼「{value}」。"},
        )

    @extend_schema_serializer(component_name="CallLogged")
    class CreatedSerializer(serializers.Serializer[Any]):
        call = CallSerializer()
        tracking_code = serializers.CharField(
            help_text="The case's tracking code to read to the caller; '' without a case."
        )
        created = serializers.BooleanField(help_text="False when the Idempotency-Key was seen before.")

    @extend_schema(
        operation_id="calls_list",
        summary="1999來電紀錄（依權限範圍）",
        parameters=[
            OpenApiParameter("from", str, description="來電日期起（ISO 或民國年 113/03/31）"),
            OpenApiParameter("to", str, description="來電日期迄"),
            OpenApiParameter("outcome", str, enum=CallOutcome.values),
            OpenApiParameter("before", int, description="上一頁回傳的 next_before"),
            OpenApiParameter("limit", int, description=f"每頁筆數，1 至 {MAX_LIMIT}，預設 50"),
        ],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        limit_text = query.get("limit", "50")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise ValidationError({"limit": [f"每頁筆數請填 1 至 {MAX_LIMIT} 的整數。"]})
        before = query.get("before", "")
        if before and not before.isdigit():
            raise ValidationError({"before": ["before 應為整數。"]})
        outcome = query.get("outcome") or None
        if outcome and outcome not in CallOutcome.values:
            raise ValidationError({"outcome": [f"處理結果應為 {', '.join(CallOutcome.values)} 之一。"]})
        calls = call_list_for_user(
            user=request.user,
            first=roc_date_parse(query["from"]) if query.get("from") else None,
            last=roc_date_parse(query["to"]) if query.get("to") else None,
            outcome=outcome,
            before_id=int(before) if before else None,
            limit=int(limit_text),
        )
        next_before = calls[-1].pk if len(calls) == int(limit_text) else None
        return Response({"results": CallSerializer(calls, many=True).data, "next_before": next_before})  # type: ignore[arg-type]

    @extend_schema(
        operation_id="calls_create",
        summary="登錄1999來電（話務員）",
        request=InputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER)],
        responses={
            201: CreatedSerializer,
            200: CreatedSerializer,
            400: OpenApiResponse(description="欄位錯誤"),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationError({"Idempotency-Key": [f"Idempotency-Key 最長 {IDEMPOTENCY_KEY_MAX} 字元。"]})
        result = call_log(
            operator=request.user,
            started_at=values["started_at"],
            ended_at=values.get("ended_at") or timezone.now(),
            outcome=values["outcome"],
            category_code=values["category"],
            phone=values["phone"],
            caller_name=values["caller_name"],
            summary=values["summary"],
            answer=values["answer"],
            location_text=values["location_text"],
            district=values.get("district"),
            idempotency_key=f"api:{request.user.pk}:{key}" if key else None,
            source=CallSource.API,
        )
        body = {
            "call": CallSerializer(result.call).data,
            "tracking_code": result.tracking_code,
            "created": result.created,
        }
        return Response(body, status=201 if result.created else 200)


class CallDetailApi(APIView):
    @extend_schema(
        operation_id="calls_get",
        summary="1999來電紀錄",
        responses={200: CallSerializer, 404: OpenApiResponse(description="查無此來電，或無權檢視")},
    )
    def get(self, request: Request, call_id: int) -> Response:
        return Response(CallSerializer(call_get_for_user(user=request.user, call_id=call_id)).data)
