"""Serializers whose declared fields are built once per class, not once per request.

DRF gives every serializer instance its own fields by deep-copying the declared ones, and a field's
deep copy calls its constructor again (a relation field deep-copies its queryset too). For the
petition intake that was the largest single cost in Python after the database round trips, about
0.4 ms of a 7 ms request (make bench, servicedesk.intake_api; ADR 0018). DRF's fields do not change
after construction, only when `bind()` names them and gives them their parent, so each instance here
gets shallow copies of one deep-copied set per class, which `bind()` then names as usual. A nested
serializer used as a field gets its own fields the same way when it is read, never its prototype's.
"""

import copy
from typing import Any, ClassVar

from rest_framework import serializers


class PrototypeFieldsSerializer(serializers.Serializer[Any]):
    _prototype_fields: ClassVar[dict[type, dict[str, Any]]] = {}

    def get_fields(self) -> dict[str, Any]:
        prototypes = PrototypeFieldsSerializer._prototype_fields.get(type(self))
        if prototypes is None:
            prototypes = copy.deepcopy(self._declared_fields)
            PrototypeFieldsSerializer._prototype_fields[type(self)] = prototypes
        return {name: copy.copy(field) for name, field in prototypes.items()}
