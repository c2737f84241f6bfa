from __future__ import annotations

import pytest

from unlockstep.core.registry._catalog import parse_catalog, parse_ref
from unlockstep.errors import InvalidInput, ParseError

MULTI = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments-team}
spec: {type: team, profile: {displayName: Payments}, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations: {unlockstep.io/tier: "2", github.com/project-slug: acme/orders}
spec:
  type: service
  lifecycle: production
  owner: group:default/payments-team
  system: system:shop
  providesApis: [orders-api]
  consumesApis: [api:default/payments-api]
  dependsOn: [resource:orders-db, component:default/pricing]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api}
spec:
  type: openapi
  lifecycle: production
  owner: payments-team
  definition:
    $text: ./apis/orders.yaml
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {}
"""


def reader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    def read(name: str) -> str:
        return files[name]

    return read


def test_a_multi_document_descriptor_yields_team_service_and_api() -> None:
    catalog = parse_catalog(
        MULTI, "catalog-info.yaml", reader({"./apis/orders.yaml": "openapi: x"})
    )
    kinds = [(e.kind, e.name) for e in catalog.entities]
    assert kinds == [("team", "payments-team"), ("service", "orders"), ("api", "orders-api")]
    service = catalog.entities[1]
    assert service.fields["owner"] == "payments-team"
    assert service.fields["tier"] == 2
    assert service.fields["system"] == "shop"
    assert service.fields["repository_url"] == "https://github.com/acme/orders"
    assert service.relations == [
        ("provides_api", "api", "orders-api"),
        ("consumes_api", "api", "payments-api"),
        ("depends_on", "resource", "orders-db"),
        ("depends_on", "component", "pricing"),
    ]
    assert catalog.skipped == ["User:alice (catalog-info.yaml:30 (document 4))"]


def test_text_substitution_reads_the_file_next_to_the_descriptor() -> None:
    catalog = parse_catalog(MULTI, "c.yaml", reader({"./apis/orders.yaml": "openapi: 3.0.3"}))
    assert catalog.entities[2].fields["definition"] == "openapi: 3.0.3"


@pytest.mark.parametrize(
    ("text", "kind", "namespace", "name"),
    [
        ("payments-team", "group", "default", "payments-team"),
        ("group:payments-team", "group", "default", "payments-team"),
        ("group:ops/payments-team", "group", "ops", "payments-team"),
        ("Component:default/orders", "component", "default", "orders"),
    ],
)
def test_entity_refs_follow_backstage_grammar(
    text: str, kind: str, namespace: str, name: str
) -> None:
    ref = parse_ref(text, default_kind="group", where="x")
    assert (ref.kind, ref.namespace, ref.name) == (kind, namespace, name)


@pytest.mark.parametrize("text", ["", "group:", "a:b:c", "group:ns/", "group:has space", 42])
def test_malformed_refs_are_refused_with_where(text: object) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_ref(text, default_kind="group", where="c.yaml:3 spec.owner")
    assert info.value.where == "c.yaml:3 spec.owner"


def test_a_bad_ref_in_a_descriptor_names_file_line_and_field() -> None:
    text = MULTI.replace("consumesApis: [api:default/payments-api]", "consumesApis: ['api:a:b']")
    with pytest.raises(InvalidInput) as info:
        parse_catalog(text, "c.yaml", reader({"./apis/orders.yaml": ""}))
    assert info.value.where == "c.yaml:6 (document 2) spec.consumesApis[0]"


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(ParseError) as info:
        parse_catalog("apiVersion: backstage.io/v1alpha1\nkind: [unclosed\n", "c.yaml")
    assert info.value.where is not None and info.value.where.startswith("c.yaml:")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("apiVersion: backstage.io/v1alpha1\nkind: Group", "apiVersion: v1\nkind: Group"),
            "apiVersion",
        ),
        (("metadata: {name: payments-team}", "metadata: {name: Payments Team}"), "not valid"),
        (("  lifecycle: production\n  owner: group", "  owner: group"), "spec.lifecycle"),
        (('unlockstep.io/tier: "2"', "unlockstep.io/tier: gold"), "tier"),
    ],
)
def test_invalid_entities_are_refused(edit: tuple[str, str], message: str) -> None:
    text = MULTI.replace(*edit, 1)
    assert text != MULTI
    with pytest.raises(InvalidInput, match=message):
        parse_catalog(text, "c.yaml", reader({"./apis/orders.yaml": ""}))


def test_substitutions_are_refused_without_a_reader() -> None:
    text = MULTI.replace("$text: ./apis/orders.yaml", "$text: https://example.org/x.yaml")
    with pytest.raises(InvalidInput, match="cannot be resolved here"):
        parse_catalog(text, "c.yaml")


def test_a_descriptor_gets_the_document_loaders_defences() -> None:
    duplicated = "apiVersion: backstage.io/v1alpha1\nkind: Group\nkind: Group\n"
    with pytest.raises(ParseError, match="duplicate key 'kind'") as caught:
        parse_catalog(duplicated, "catalog-info.yaml")
    assert caught.value.where == "catalog-info.yaml:3: /"
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    bomb += [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
        for i in range(8)
    ]
    with pytest.raises(ParseError, match="alias bomb"):
        parse_catalog("---\nkind: Group\n---\n" + "\n".join(bomb) + "\n", "catalog-info.yaml")


def test_url_substitutions_go_through_the_adapters_reader() -> None:
    text = MULTI.replace("$text: ./apis/orders.yaml", "$text: https://example.org/x.yaml")
    parsed = parse_catalog(text, "c.yaml", reader({"https://example.org/x.yaml": "openapi: 3"}))
    api = next(e for e in parsed.entities if e.kind == "api")
    assert api.fields["definition"] == "openapi: 3"
