"""The cases API for staff clients (the 1999 console, an agency's own system): inbox, detail, intake, reply.

Thin over `yankao.cases`: the selectors decide what the token's user may see, the services what it may
do. The petitioner's identity never leaves through the API; lists and detail carry the mask only.
"""

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yankao.api.cases.inbox_rows import inbox_json
from yankao.api.core.views import AgencyRefSerializer
from yankao.api.serializer_prototypes import PrototypeFieldsSerializer
from yankao.cases.inbox_query import case_inbox_page
from yankao.cases.models import Case, Category, Channel
from yankao.cases.permissions import can_register_case
from yankao.cases.selectors import (
    case_due_status,
    case_get_for_user,
    category_get_active,
)
from yankao.cases.services import Petitioner, case_intake, case_reply
from yankao.cases.workflow import State
from yankao.core.exceptions import NotFoundError
from yankao.core.models import Agency
from yankao.core.working_days import taiwan_date

MAX_LIMIT = 100
IDEMPOTENCY_KEY_MAX = 40  # with the "api:<user id>:" prefix, within Case.idempotency_key's 64 characters
OPEN_STATES = [State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING_CITIZEN]
# Channels a staff client registers from; the public web forms and the mayor's mailbox have their own pages.
STAFF_CHANNELS = [Channel.HOTLINE, Channel.COUNTER, Channel.LETTER, Channel.EMAIL, Channel.API]


@extend_schema_serializer(component_name="CategoryRef")
class CategoryRefSerializer(serializers.Serializer[Category]):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="CaseSummary")
class CaseSummarySerializer(serializers.Serializer[Case]):
    number = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField(source="get_state_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = CategoryRefSerializer()
    agency = AgencyRefSerializer()
    officer = serializers.CharField(source="officer.username", allow_null=True, default=None)
    subject = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    due_status = serializers.SerializerMethodField(
        help_text="overdue, due_soon, on_time, paused (waiting for the citizen) or closed."
    )
    petitioner_name_masked = serializers.CharField(
        help_text="Masked: 王○明. The identity is never in the API."
    )
    version = serializers.IntegerField(help_text="Send it back with an action; a different one is a 409.")

    def get_due_status(self, case: Case) -> str:
        return case_due_status(case=case)


class CategoryCodeField(serializers.CharField):
    """An active category by its code (e.g. road_pothole), from the engine's per-process cache."""

    def to_internal_value(self, data: Any) -> Any:
        code = super().to_internal_value(data)
        try:
            return category_get_active(code=code)
        except NotFoundError as error:
            raise ValidationError(error.message) from error

    def to_representation(self, value: Any) -> Any:
        return value.code


class JsonOnlyNegotiation(BaseContentNegotiation):
    """The inbox answers JSON whatever the client accepts: no negotiation to pay per request."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def _summary_of(case: Case) -> dict[str, Any]:
    """A case as CaseSummarySerializer shows it, without the serializer's cost."""
    today = taiwan_date(timezone.now())
    return {
        "number": case.number,
        "kind": case.kind,
        "state": case.state,
        "state_label": str(State(case.state).label),
        "channel": case.channel,
        "category": {"code": case.category.code, "name": case.category.name},
        "agency": {"code": case.agency.code, "name": case.agency.name},
        "officer": case.officer.username if case.officer is not None else None,
        "subject": case.subject,
        "received_at": timezone.localtime(case.received_at).isoformat(),
        "due_on": case.due_on.isoformat(),
        "due_status": case_due_status(case=case, today=today),
        "petitioner_name_masked": case.petitioner_name_masked,
        "version": case.version,
    }


def _filters_of(query: Any) -> dict[str, Any]:
    state = query.get("state", "")
    filters: dict[str, Any] = {
        "order": query.get("order") or "due",
        "mine": query.get("mine") in ("1", "true", "on"),
        "search": query.get("search", ""),
    }
    if state == "":
        filters["states"] = OPEN_STATES
    elif state != "all":
        if state not in State.values:
            raise ValidationError({"state": [f"不明的狀態「{state}」。"]})
        filters["state"] = state
    for name in ("category", "channel", "due"):
        if query.get(name):
            filters[name] = query[name]
    return filters


class CaseListApi(APIView):
    """The inbox of the token's user, soonest deadline first; keyset pages, no total count."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema_serializer(component_name="CasePage")
    class OutputSerializer(serializers.Serializer[Any]):
        results = CaseSummarySerializer(many=True)
        next_cursor = serializers.CharField(
            allow_null=True, help_text="Pass as `after` for the next page; null on the last page."
        )

    @extend_schema(
        operation_id="cases_list",
        summary="案件收件匣（依權限範圍）",
        parameters=[
            OpenApiParameter("state", str, description="狀態；省略為未結案全部，all 為全部狀態"),
            OpenApiParameter("category", str, description="類別代碼，例如 road_pothole"),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("due", str, enum=["soon", "overdue"]),
            OpenApiParameter("mine", bool, description="只列出自己承辦的案件"),
            OpenApiParameter("search", str, description="案件編號開頭"),
            OpenApiParameter("order", str, enum=["due", "-received"], description="預設 due"),
            OpenApiParameter("after", str, description="上一頁回傳的 next_cursor"),
            OpenApiParameter("limit", int, description=f"每頁筆數，1 至 {MAX_LIMIT}，預設 50"),
        ],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> HttpResponse:
        limit_text = request.query_params.get("limit", "50")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise ValidationError({"limit": [f"每頁筆數請填 1 至 {MAX_LIMIT} 的整數。"]})
        page = case_inbox_page(
            user=request.user,
            after=request.query_params.get("after") or None,
            limit=int(limit_text),
            **_filters_of(request.query_params),
        )
        # Rows encoded here rather than through the serializers above (which document them), and
        # kept per case version: model instances, 50 nested serializers and encoding the page anew
        # cost more than the query itself. The shape is the same; a test holds it to CaseSummary.
        body = inbox_json(items=page.items, next_cursor=page.next_cursor, today=taiwan_date(timezone.now()))
        return HttpResponse(body, content_type="application/json")


@extend_schema_serializer(component_name="CaseEventOut")
class CaseEventSerializer(serializers.Serializer[Any]):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    note = serializers.CharField()
    public = serializers.BooleanField(help_text="Shown to the citizen on the tracking page.")


@extend_schema_serializer(component_name="CaseAttachmentOut")
class CaseAttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


@extend_schema_serializer(component_name="CaseExtensionOut")
class CaseExtensionSerializer(serializers.Serializer[Any]):
    working_days = serializers.IntegerField()
    reason = serializers.CharField()
    decision = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    new_due_on = serializers.DateField(allow_null=True)


class CaseDetailApi(APIView):
    """One case the token's user may see: content, clock, timeline; never the petitioner's identity."""

    @extend_schema_serializer(component_name="CaseDetail")
    class OutputSerializer(CaseSummarySerializer):
        description = serializers.CharField()
        location_text = serializers.CharField()
        district = AgencyRefSerializer(allow_null=True)
        reply = serializers.CharField()
        replied_at = serializers.DateTimeField(allow_null=True)
        closed_at = serializers.DateTimeField(allow_null=True)
        paused_working_days = serializers.IntegerField()
        extended_days = serializers.IntegerField()
        reroute_count = serializers.IntegerField()
        events = CaseEventSerializer(many=True, source="events.all")
        attachments = CaseAttachmentSerializer(many=True, source="attachments.all")
        extensions = CaseExtensionSerializer(many=True, source="extensions.all")

    @extend_schema(
        operation_id="cases_get",
        summary="案件內容（不含陳情人個資）",
        responses={200: OutputSerializer, 404: OpenApiResponse(description="查無此案件，或無權檢視")},
    )
    def get(self, request: Request, number: str) -> Response:
        case = case_get_for_user(user=request.user, number=number)
        return Response(self.OutputSerializer(case).data)


@extend_schema_serializer(component_name="PetitionerIn")
class PetitionerInSerializer(PrototypeFieldsSerializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=60, label="姓名")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, label="電話")
    email = serializers.EmailField(required=False, allow_blank=True, label="電子郵件")
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, label="地址")
    anonymous = serializers.BooleanField(required=False, default=False, label="匿名")
    confidential = serializers.BooleanField(required=False, default=False, label="要求保密")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("anonymous") and not data.get("name", "").strip():
            raise ValidationError({"name": ["請填寫陳情人姓名；匿名陳情請將 anonymous 設為 true。"]})
        return data


class PetitionCreateApi(APIView):
    """Register a petition from a staff client. An `Idempotency-Key` header makes a retry safe."""

    @extend_schema_serializer(component_name="PetitionIn")
    class InputSerializer(PrototypeFieldsSerializer):
        category = CategoryCodeField(error_messages={"required": "請提供類別代碼。"})
        channel = serializers.ChoiceField(
            choices=Channel.choices,
            default=Channel.API,
            help_text="hotline, counter, letter, email or api; the public channels have their own forms.",
        )
        subject = serializers.CharField(max_length=200, error_messages={"blank": "請填寫主旨。"})
        description = serializers.CharField(error_messages={"blank": "請填寫陳情內容。"})
        petitioner = PetitionerInSerializer(label="陳情人")
        agency = serializers.SlugRelatedField(
            slug_field="code",
            queryset=Agency.objects.all(),
            required=False,
            allow_null=True,
            help_text="省略時依類別、地點與內容自動分派。",
            error_messages={"does_not_exist": "不明的機關代碼「{value}」。"},
        )
        district = serializers.SlugRelatedField(
            slug_field="code",
            queryset=Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": "不明的行政區代碼「{value}」。"},
        )
        location_text = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
        latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
        longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
        received_at = serializers.DateTimeField(required=False, allow_null=True, help_text="省略為現在。")

        def validate_channel(self, value: str) -> str:
            if value not in STAFF_CHANNELS:
                raise ValidationError(
                    "網路陳情與市長信箱請由公開表單送出；系統介接請用 api、hotline、counter、letter 或 email。"
                )
            return value

    @extend_schema_serializer(component_name="PetitionCreated")
    class OutputSerializer(serializers.Serializer[Any]):
        case = CaseSummarySerializer()
        tracking_code = serializers.CharField(
            help_text="The citizen's code for the tracking page; tell it once."
        )
        created = serializers.BooleanField(help_text="False when the Idempotency-Key was seen before.")

    @extend_schema(
        operation_id="petitions_create",
        summary="登錄陳情案件（機關系統、1999 話務）",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                description=f"用戶端產生的唯一值（至多 {IDEMPOTENCY_KEY_MAX} 字元）；重送時回傳同一案件（200）。",
            )
        ],
        request=InputSerializer,
        responses={201: OutputSerializer, 200: OutputSerializer},
    )
    def post(self, request: Request) -> Response:
        if not can_register_case(request.user):
            raise PermissionDenied("您的角色不能登錄案件。")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationError({"Idempotency-Key": [f"Idempotency-Key 至多 {IDEMPOTENCY_KEY_MAX} 字元。"]})
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        petitioner = data["petitioner"]
        result = case_intake(
            kind="petition",
            channel=data["channel"],
            category=data["category"],
            subject=data["subject"],
            description=data["description"],
            petitioner=Petitioner(
                name="" if petitioner.get("anonymous") else petitioner.get("name", "").strip(),
                phone=petitioner.get("phone", ""),
                email=petitioner.get("email", ""),
                address=petitioner.get("address", ""),
                anonymous=petitioner.get("anonymous", False),
                confidential=petitioner.get("confidential", False),
            ),
            agency=data.get("agency"),
            district=data.get("district"),
            location_text=data.get("location_text", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            received_at=data.get("received_at"),
            # Scoped to the client's user: another client's key must never return someone else's case.
            idempotency_key=f"api:{request.user.pk}:{key}" if key else None,
            actor=request.user,
        )
        # Built directly, as the inbox rows are (the serializer documents it; a test compares them):
        # intake is the hot path of 1999 operators and agency systems.
        body = {
            "case": _summary_of(result.case),
            "tracking_code": result.tracking_code,
            "created": result.created,
        }
        return Response(body, status=201 if result.created else 200)


class CaseReplyApi(APIView):
    """Reply to the petitioner: the case becomes 已答復 and the petitioner is told."""

    @extend_schema_serializer(component_name="CaseReplyIn")
    class InputSerializer(serializers.Serializer[Any]):
        version = serializers.IntegerField(min_value=1, help_text="The case's version the client showed.")
        reply = serializers.CharField(max_length=10000, error_messages={"blank": "請填寫答復內容。"})

    @extend_schema(
        operation_id="cases_reply",
        summary="答復陳情人",
        request=InputSerializer,
        responses={
            200: CaseSummarySerializer,
            404: OpenApiResponse(description="查無此案件，或無權檢視"),
            409: OpenApiResponse(description="案件已被他人更新（version 不符），未執行"),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        case = case_get_for_user(user=request.user, number=number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_reply(
            case=case,
            user=request.user,
            reply=serializer.validated_data["reply"],
            expected_version=serializer.validated_data["version"],
        )
        return Response(CaseSummarySerializer(case).data)
