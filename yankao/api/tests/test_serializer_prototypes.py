"""Serializers with prototype fields validate each request on its own, nested ones included."""

from rest_framework import serializers

from yankao.api.serializer_prototypes import PrototypeFieldsSerializer


class Contact(PrototypeFieldsSerializer):
    name = serializers.CharField(max_length=5)
    phone = serializers.CharField(required=False, default="")


class Letter(PrototypeFieldsSerializer):
    channel = serializers.ChoiceField(choices=[("letter", "書函"), ("email", "電子郵件")])
    contact = Contact()


def test_each_instance_validates_its_own_data_and_reports_its_own_errors() -> None:
    good = Letter(data={"channel": "email", "contact": {"name": "王小明"}})
    bad = Letter(data={"channel": "fax", "contact": {"name": "非常長的一個名字"}})
    assert good.is_valid(), good.errors
    assert not bad.is_valid()
    assert good.validated_data == {"channel": "email", "contact": {"name": "王小明", "phone": ""}}
    assert set(bad.errors) == {"channel", "contact"}
    assert "name" in bad.errors["contact"]
    # Validated again after the other: nothing of the failed one leaked into the shared prototypes.
    again = Letter(data={"channel": "letter", "contact": {"name": "林", "phone": "07-1234567"}})
    assert again.is_valid(), again.errors
    assert again.validated_data["contact"] == {"name": "林", "phone": "07-1234567"}


def test_the_fields_are_bound_to_their_own_serializer() -> None:
    first, second = Letter(), Letter()
    assert first.fields["channel"] is not second.fields["channel"]
    assert first.fields["channel"].parent is first
    nested = first.fields["contact"]
    assert nested is not second.fields["contact"]
    assert nested.fields["name"].parent is nested
    assert nested.fields["name"].root is first
