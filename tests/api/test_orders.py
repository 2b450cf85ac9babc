"""Tests for the rules of which `add` fields each service type takes, and quote_order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints

from hypothesis import given, settings, strategies as st
import pytest
import yaml

from custom_components.smmpanel.api import (
    ESTIMATED_UNITS_WITHOUT_QUANTITY,
    ORDER_FIELDS,
    DripfeedIncomplete,
    DripfeedNotSupported,
    FieldKind,
    FieldsNotAllowed,
    MinAboveMax,
    MissingFields,
    NewOrder,
    OrderField,
    OrderProblem,
    OrderProblemKind,
    OrderQuote,
    PanelService,
    QuantityMismatch,
    QuantityOutOfRange,
    ServiceType,
    quote_order,
)

F = OrderField
T = ServiceType
SERVICE_ID = 7
LINK = "https://instagram.com/p/abc123/"
RATE = Decimal("0.90")
MIN_QUANTITY = 2
MAX_QUANTITY = 5000
SERVICES_YAML = Path(__file__).parents[2] / "custom_components/smmpanel/services.yaml"
# Fields of the add_order action that are not fields of the order.
ACTION_ONLY_FIELDS = {"config_entry_id", "service", "validate_only"}

# The table "add fields by service type" of the API reference: required, optional.
REFERENCE: Mapping[ServiceType, tuple[set[str], set[str]]] = {
    T.DEFAULT: ({"link", "quantity"}, {"runs", "interval"}),
    T.PACKAGE: ({"link"}, set()),
    T.CUSTOM_COMMENTS: ({"link", "comments"}, set()),
    T.CUSTOM_COMMENTS_PACKAGE: ({"link", "comments"}, set()),
    T.MENTIONS: ({"link", "quantity", "usernames"}, set()),
    T.MENTIONS_WITH_HASHTAGS: ({"link", "quantity", "usernames", "hashtags"}, set()),
    T.MENTIONS_CUSTOM_LIST: ({"link", "usernames"}, set()),
    T.MENTIONS_HASHTAG: ({"link", "quantity", "hashtag"}, set()),
    T.MENTIONS_USER_FOLLOWERS: ({"link", "quantity", "username"}, set()),
    T.MENTIONS_MEDIA_LIKERS: ({"link", "quantity", "media"}, set()),
    T.COMMENT_LIKES: ({"link", "quantity", "username"}, set()),
    T.COMMENT_REPLIES: ({"link", "username", "comments"}, set()),
    T.POLL: ({"link", "quantity", "answer_number"}, set()),
    T.INVITES_FROM_GROUPS: ({"link", "quantity", "groups"}, set()),
    T.SEO: ({"link", "quantity", "keywords"}, set()),
    T.SUBSCRIPTIONS: (
        {"username", "min", "max"},
        {"posts", "old_posts", "delay", "expiry"},
    ),
    T.WEB_TRAFFIC: (
        {"link", "quantity", "country", "device", "type_of_traffic"},
        {"google_keyword", "referring_url"},
    ),
    T.UNKNOWN: (
        {"link"},
        {field.name for field in fields(NewOrder)} - {"service", "link"},
    ),
}
# Types whose quantity is the number of lines of a list field.
COUNTED: Mapping[ServiceType, str] = {
    T.CUSTOM_COMMENTS: "comments",
    T.CUSTOM_COMMENTS_PACKAGE: "comments",
    T.COMMENT_REPLIES: "comments",
    T.MENTIONS_CUSTOM_LIST: "usernames",
}
INTEGER_FIELDS = {
    "quantity",
    "runs",
    "interval",
    "answer_number",
    "min",
    "max",
    "posts",
    "old_posts",
    "delay",
}
LIST_FIELDS = {"comments", "usernames", "hashtags", "groups", "keywords"}
# One valid value of each field.
VALUES: Mapping[str, Any] = {
    "link": LINK,
    "quantity": 100,
    "comments": "Great post!\nLove it\nWow",
    "runs": 5,
    "interval": 30,
    "usernames": "user1\nuser2",
    "hashtags": "#sunset\n#travel",
    "hashtag": "travel",
    "username": "someuser",
    "media": "https://instagram.com/p/xyz/",
    "answer_number": 2,
    "groups": "https://t.me/group1",
    "keywords": "buy shoes\ncheap shoes",
    "min": 100,
    "max": 200,
    "posts": 10,
    "old_posts": 0,
    "delay": 0,
    "expiry": "31/12/2030",
    "country": "US",
    "device": "1",
    "type_of_traffic": "1",
    "google_keyword": "smart home",
    "referring_url": "https://www.google.com/",
}


def panel_service(
    service_type: ServiceType,
    *,
    dripfeed: bool = False,
    min_quantity: int = MIN_QUANTITY,
    max_quantity: int = MAX_QUANTITY,
) -> PanelService:
    """Return a catalogue entry of a type."""
    return PanelService(
        service_id=SERVICE_ID,
        name=f"Test {service_type}",
        type=service_type,
        raw_type=str(service_type),
        category="Tests",
        rate=RATE,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        refill=False,
        cancel=False,
        dripfeed=dripfeed,
    )


def new_order(**values: Any) -> NewOrder:
    """Return an order of the test service."""
    return NewOrder(service=SERVICE_ID, **values)


def required_order(service_type: ServiceType) -> NewOrder:
    """Return an order that sets exactly the fields a type requires."""
    return new_order(**{field: VALUES[field] for field in REFERENCE[service_type][0]})


def problems(service: PanelService, order: NewOrder) -> tuple[OrderProblem, ...]:
    """Return the problems of an order, failing if it is accepted."""
    result = quote_order(service, order)
    assert isinstance(result, tuple), result
    return result


def quote(service: PanelService, order: NewOrder) -> OrderQuote:
    """Return the quote of an order, failing if it has problems."""
    result = quote_order(service, order)
    assert isinstance(result, OrderQuote), result
    return result


# The rules


def test_new_order_fields_are_the_order_fields() -> None:
    """NewOrder's fields besides `service` are exactly the OrderField values."""
    assert {field.name for field in fields(NewOrder)} - {"service"} == set(OrderField)
    assert len(OrderField) == 24


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_rules_cover_every_service_type(service_type: ServiceType) -> None:
    """Every type has rules: required fields are accepted, the counted one required."""
    required = service_type.required_fields
    assert required
    assert required <= service_type.accepted_fields <= set(OrderField)
    counted = service_type.counted_field
    assert counted is None or counted in required
    assert all(isinstance(field, OrderField) for field in service_type.accepted_fields)


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_rules_follow_the_reference(service_type: ServiceType) -> None:
    """Each type requires and accepts the fields of the reference table."""
    required, optional = REFERENCE[service_type]
    assert service_type.required_fields == required
    assert service_type.accepted_fields == required | optional
    assert service_type.counted_field == COUNTED.get(service_type)


def test_unknown_type_accepts_every_field() -> None:
    """A type the integration does not know requires a link and accepts anything."""
    assert T.UNKNOWN.required_fields == {F.LINK}
    assert T.UNKNOWN.accepted_fields == set(OrderField)


def _leaf_fields(section: Mapping[str, Any]) -> list[str]:
    """Return the names of an action's fields, looking inside collapsible sections."""
    names: list[str] = []
    for name, spec in section.items():
        if isinstance(spec, dict) and "fields" in spec:
            names += _leaf_fields(spec["fields"])
        else:
            names.append(name)
    return names


def test_add_order_action_offers_every_order_field() -> None:
    """The add_order action of services.yaml has one field per OrderField, no more."""
    actions = yaml.safe_load(SERVICES_YAML.read_text(encoding="utf-8"))
    names = _leaf_fields(actions["add_order"]["fields"])
    assert len(names) == len(set(names))
    order_fields = set(names) - ACTION_ONLY_FIELDS
    assert set(OrderField) - order_fields == set(), "missing from services.yaml"
    assert order_fields - set(OrderField) == set(), "not an OrderField"


def test_field_table_covers_every_order_field() -> None:
    """The table of `add` fields has every OrderField, in OrderField's order."""
    assert list(ORDER_FIELDS) == list(OrderField)


def test_new_order_holds_each_field_as_its_kind() -> None:
    """NewOrder holds a whole-number field as an int, any other field as text."""
    hints = get_type_hints(NewOrder)
    for field, spec in ORDER_FIELDS.items():
        held = int if spec.kind is FieldKind.WHOLE_NUMBER else str
        assert hints[field] == held | None, field


def _described_fields(section: Mapping[str, Any]) -> dict[str, Any]:
    """Return an action's field descriptions by name, looking inside sections."""
    described: dict[str, Any] = {}
    for name, spec in section.items():
        if "fields" in spec:
            described |= _described_fields(spec["fields"])
        else:
            described[name] = spec
    return described


def test_add_order_action_describes_each_field_as_its_kind() -> None:
    """services.yaml offers the table's fields, no others, each with its kind's selector.

    A whole number has a number selector with the table's minimum; a list of lines
    a multiline text; a line a single-line text; a link a URL text; a date a date.
    """
    actions = yaml.safe_load(SERVICES_YAML.read_text(encoding="utf-8"))
    described = _described_fields(actions["add_order"]["fields"])
    assert set(described) - ACTION_ONLY_FIELDS == set(ORDER_FIELDS)
    for field, spec in ORDER_FIELDS.items():
        ((selector, config),) = described[field]["selector"].items()
        config = config or {}
        kind = spec.kind
        expected = {FieldKind.WHOLE_NUMBER: "number", FieldKind.DATE: "date"}
        assert selector == expected.get(kind, "text"), field
        if kind is FieldKind.WHOLE_NUMBER:
            assert config["min"] == spec.minimum, field
        assert config.get("multiline", False) is (kind is FieldKind.LINES), field
        if kind is FieldKind.LINK:
            assert config["type"] == "url", field


# Accepted orders


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_quote_order_of_required_fields(service_type: ServiceType) -> None:
    """An order with exactly the required fields is sent as it is."""
    order = required_order(service_type)
    result = quote(panel_service(service_type), order)
    delivered: int | None = None
    if (counted := COUNTED.get(service_type)) is not None:
        delivered = len(VALUES[counted].split("\n"))
    elif "quantity" in REFERENCE[service_type][0]:
        delivered = VALUES["quantity"]
    units = ESTIMATED_UNITS_WITHOUT_QUANTITY if delivered is None else delivered
    assert result == OrderQuote(
        order=order, delivered_quantity=delivered, cost=RATE * units / 1000
    )


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_quote_order_of_accepted_fields(service_type: ServiceType) -> None:
    """An order may also set every optional field of its type."""
    required, optional = REFERENCE[service_type]
    order = new_order(**{field: VALUES[field] for field in required | optional})
    result = quote(panel_service(service_type, dripfeed=True), order)
    assert result.order == order


def test_quote_default_order() -> None:
    """A default order delivers its quantity at the service's rate."""
    order = new_order(link=LINK, quantity=1000)
    assert quote(panel_service(T.DEFAULT), order) == OrderQuote(
        order=order, delivered_quantity=1000, cost=Decimal("0.9")
    )


def test_quote_dripfeed_order() -> None:
    """A drip-feed delivers its quantity once per run and costs as much."""
    order = new_order(link=LINK, quantity=100, runs=5, interval=30)
    assert quote(panel_service(T.DEFAULT, dripfeed=True), order) == OrderQuote(
        order=order, delivered_quantity=500, cost=Decimal("0.45")
    )


def test_quote_order_without_quantity() -> None:
    """An order whose type has no quantity is estimated at a fixed number of units."""
    order = new_order(username="someuser", min=100, max=200)
    result = quote(panel_service(T.SUBSCRIPTIONS), order)
    assert result.delivered_quantity is None
    assert result.cost == RATE * ESTIMATED_UNITS_WITHOUT_QUANTITY / 1000


@pytest.mark.parametrize("service_type", list(COUNTED))
def test_quote_counted_order_leaves_the_quantity_out(service_type: ServiceType) -> None:
    """A counted type's quantity is its lines; a matching `quantity` is not sent."""
    values = {field: VALUES[field] for field in REFERENCE[service_type][0]}
    order = new_order(**values | {COUNTED[service_type]: "a\nb\nc\nd"})
    result = quote(panel_service(service_type), replace(order, quantity=4))
    assert result == OrderQuote(order=order, delivered_quantity=4, cost=RATE * 4 / 1000)
    assert quote(panel_service(service_type), order) == result


@pytest.mark.parametrize(
    ("text", "count"),
    [("one", 1), ("one\ntwo", 2), ("one\r\ntwo\r\n", 2), ("one\n\n  \ntwo\n", 2)],
)
def test_counted_lines_skip_blank_ones(text: str, count: int) -> None:
    """Blank lines, and the \\r of Windows line ends, add nothing to the count."""
    order = new_order(link=LINK, comments=text)
    service = panel_service(T.CUSTOM_COMMENTS, min_quantity=1)
    assert quote(service, order).delivered_quantity == count


@pytest.mark.parametrize("quantity", [MIN_QUANTITY, MAX_QUANTITY])
def test_quantity_range_is_inclusive(quantity: int) -> None:
    """The service's minimum and maximum themselves are accepted."""
    quote(panel_service(T.DEFAULT), new_order(link=LINK, quantity=quantity))
    quote(
        panel_service(T.SUBSCRIPTIONS),
        new_order(username="u", min=quantity, max=quantity),
    )


def test_quote_order_of_another_service() -> None:
    """Quoting an order with another service's entry is a programming error."""
    with pytest.raises(ValueError, match="service 8"):
        quote_order(panel_service(T.DEFAULT), NewOrder(service=8, link=LINK))


# Problems


def out_of_range(field: OrderField, quantity: int) -> QuantityOutOfRange:
    """Return the problem of a quantity outside the test service's range."""
    return QuantityOutOfRange(
        field=field, quantity=quantity, minimum=MIN_QUANTITY, maximum=MAX_QUANTITY
    )


# Each case: service type, whether the service drip-feeds, the order, its problems.
PROBLEMS: Mapping[
    str, tuple[ServiceType, bool, dict[str, Any], tuple[OrderProblem, ...]]
] = {
    "fields_not_allowed": (
        T.PACKAGE,
        False,
        {"link": LINK, "quantity": 100, "comments": "x"},
        (FieldsNotAllowed(fields=frozenset({F.QUANTITY, F.COMMENTS})),),
    ),
    "link_not_allowed_for_subscriptions": (
        T.SUBSCRIPTIONS,
        False,
        {"link": LINK, "username": "u", "min": 10, "max": 20},
        (FieldsNotAllowed(fields=frozenset({F.LINK})),),
    ),
    "runs_not_allowed_for_counted_types": (
        T.CUSTOM_COMMENTS,
        True,
        {"link": LINK, "comments": "a\nb", "runs": 2, "interval": 5},
        (FieldsNotAllowed(fields=frozenset({F.RUNS, F.INTERVAL})),),
    ),
    "missing_fields": (
        T.WEB_TRAFFIC,
        False,
        {"link": LINK, "quantity": 100, "country": "US"},
        (MissingFields(fields=frozenset({F.DEVICE, F.TYPE_OF_TRAFFIC})),),
    ),
    "missing_counted_field": (
        T.MENTIONS_CUSTOM_LIST,
        False,
        {"link": LINK, "quantity": 3},
        (MissingFields(fields=frozenset({F.USERNAMES})),),
    ),
    "dripfeed_not_supported": (
        T.DEFAULT,
        False,
        {"link": LINK, "quantity": 100, "runs": 2, "interval": 5},
        (DripfeedNotSupported(),),
    ),
    "dripfeed_not_supported_even_incomplete": (
        T.UNKNOWN,
        False,
        {"link": LINK, "runs": 2},
        (DripfeedNotSupported(),),
    ),
    "dripfeed_without_interval": (
        T.DEFAULT,
        True,
        {"link": LINK, "quantity": 100, "runs": 2},
        (DripfeedIncomplete(),),
    ),
    "dripfeed_without_runs": (
        T.DEFAULT,
        True,
        {"link": LINK, "quantity": 100, "interval": 5},
        (DripfeedIncomplete(),),
    ),
    "quantity_mismatch": (
        T.COMMENT_REPLIES,
        False,
        {"link": LINK, "username": "u", "comments": "a\nb\nc", "quantity": 4},
        (QuantityMismatch(quantity=4, count=3, field=F.COMMENTS),),
    ),
    "quantity_below_min": (
        T.DEFAULT,
        False,
        {"link": LINK, "quantity": MIN_QUANTITY - 1},
        (out_of_range(F.QUANTITY, MIN_QUANTITY - 1),),
    ),
    "quantity_above_max": (
        T.SEO,
        False,
        {"link": LINK, "quantity": MAX_QUANTITY + 1, "keywords": "k"},
        (out_of_range(F.QUANTITY, MAX_QUANTITY + 1),),
    ),
    "dripfeed_quantity_is_checked_per_run": (
        T.DEFAULT,
        True,
        {"link": LINK, "quantity": MAX_QUANTITY, "runs": 10, "interval": 5},
        (),
    ),
    "count_below_min": (
        T.CUSTOM_COMMENTS_PACKAGE,
        False,
        {"link": LINK, "comments": "only one"},
        (out_of_range(F.QUANTITY, 1),),
    ),
    "min_and_max_out_of_range": (
        T.SUBSCRIPTIONS,
        False,
        {"username": "u", "min": 1, "max": MAX_QUANTITY + 1},
        (out_of_range(F.MIN, 1), out_of_range(F.MAX, MAX_QUANTITY + 1)),
    ),
    "min_above_max": (
        T.SUBSCRIPTIONS,
        False,
        {"username": "u", "min": 300, "max": 200},
        (MinAboveMax(minimum=300, maximum=200),),
    ),
    "every_problem_of_a_default_order": (
        T.DEFAULT,
        True,
        {"quantity": 1, "runs": 2, "min": 1},
        (
            FieldsNotAllowed(fields=frozenset({F.MIN})),
            MissingFields(fields=frozenset({F.LINK})),
            DripfeedIncomplete(),
            out_of_range(F.QUANTITY, 1),
        ),
    ),
    "every_problem_of_an_unknown_order": (
        T.UNKNOWN,
        False,
        {"quantity": 1, "runs": 2, "interval": 5, "min": MAX_QUANTITY + 1, "max": 1},
        (
            MissingFields(fields=frozenset({F.LINK})),
            DripfeedNotSupported(),
            out_of_range(F.QUANTITY, 1),
            out_of_range(F.MIN, MAX_QUANTITY + 1),
            out_of_range(F.MAX, 1),
            MinAboveMax(minimum=MAX_QUANTITY + 1, maximum=1),
        ),
    ),
    "every_problem_of_a_counted_order": (
        T.COMMENT_REPLIES,
        False,
        {"link": LINK, "comments": "a", "quantity": 2, "hashtag": "h"},
        (
            FieldsNotAllowed(fields=frozenset({F.HASHTAG})),
            MissingFields(fields=frozenset({F.USERNAME})),
            QuantityMismatch(quantity=2, count=1, field=F.COMMENTS),
            out_of_range(F.QUANTITY, 1),
        ),
    ),
    "fields_not_allowed_are_not_checked_further": (
        T.PACKAGE,
        True,
        {"link": LINK, "quantity": 1, "runs": 2, "min": 9, "max": 1},
        (FieldsNotAllowed(fields=frozenset({F.QUANTITY, F.RUNS, F.MIN, F.MAX})),),
    ),
}


@pytest.mark.parametrize(
    ("service_type", "dripfeed", "values", "expected"),
    PROBLEMS.values(),
    ids=PROBLEMS.keys(),
)
def test_order_problems(
    service_type: ServiceType,
    dripfeed: bool,
    values: dict[str, Any],
    expected: tuple[OrderProblem, ...],
) -> None:
    """Every problem of an order is found, in the order the user should see them."""
    service = panel_service(service_type, dripfeed=dripfeed)
    result = quote_order(service, new_order(**values))
    if expected:
        assert result == expected
    else:
        assert isinstance(result, OrderQuote)


def test_every_problem_kind_is_tested() -> None:
    """The cases above raise every kind of problem, each kind from one class."""
    found = [problem for *_, expected in PROBLEMS.values() for problem in expected]
    assert {problem.kind for problem in found} == set(OrderProblemKind)
    kind_of_class = {type(problem): problem.kind for problem in found}
    assert len(kind_of_class) == len(OrderProblemKind)


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_empty_order_misses_every_required_field(service_type: ServiceType) -> None:
    """An order with no field lacks exactly the type's required fields."""
    assert problems(panel_service(service_type), new_order()) == (
        MissingFields(fields=service_type.required_fields),
    )


@pytest.mark.parametrize("service_type", list(set(ServiceType) - {T.UNKNOWN}))
def test_every_other_field_is_not_allowed(service_type: ServiceType) -> None:
    """A field a type does not accept is reported, and not sent in any case."""
    others = set(OrderField) - service_type.accepted_fields
    if service_type.counted_field is not None:
        others -= {F.QUANTITY}
    order = replace(
        required_order(service_type), **{field: VALUES[field] for field in others}
    )
    assert problems(panel_service(service_type, dripfeed=True), order) == (
        FieldsNotAllowed(fields=frozenset(others)),
    )


# Against the validation that lived in the Home Assistant actions


def former_validation(
    service: PanelService, values: dict[str, Any]
) -> OrderProblem | tuple[dict[str, Any], int | None, Decimal]:
    """Return what the former `_validate_order` of services.py did with an order.

    Its first error as a problem, or the fields it sent, the quantity and the cost.
    """
    values = dict(values)
    counted = COUNTED.get(service.type)
    required, optional = REFERENCE[service.type]
    given = set(values)
    unexpected = given - required - optional - ({"quantity"} if counted else set())
    if unexpected:
        return FieldsNotAllowed(fields=frozenset(map(OrderField, unexpected)))
    if missing := required - given:
        return MissingFields(fields=frozenset(map(OrderField, missing)))
    if dripfeed := given & {"runs", "interval"}:
        if not service.dripfeed:
            return DripfeedNotSupported()
        if dripfeed != {"runs", "interval"}:
            return DripfeedIncomplete()
    quantity: int | None = values.get("quantity")
    if counted is not None and counted in values:
        count = len(values[counted].split("\n"))
        if quantity is not None and quantity != count:
            return QuantityMismatch(
                quantity=quantity, count=count, field=OrderField(counted)
            )
        quantity = count
        values.pop("quantity", None)
    for field, value in (
        ("quantity", quantity),
        *((f, values.get(f)) for f in ("min", "max")),
    ):
        if value is not None and not (
            service.min_quantity <= value <= service.max_quantity
        ):
            return QuantityOutOfRange(
                field=OrderField(field),
                quantity=value,
                minimum=service.min_quantity,
                maximum=service.max_quantity,
            )
    if "min" in values and "max" in values and values["min"] > values["max"]:
        return MinAboveMax(minimum=values["min"], maximum=values["max"])
    if quantity is None:
        return values, None, service.cost(1000)
    delivered = quantity * values.get("runs", 1)
    return values, delivered, service.cost(delivered)


_LINES = st.lists(
    st.text(alphabet="abc #@", min_size=1, max_size=4).map(str.strip).filter(bool),
    min_size=1,
    max_size=8,
).map("\n".join)


def _value(field: str) -> st.SearchStrategy[Any]:
    """Return a strategy for one field's values, as the actions clean them."""
    if field in INTEGER_FIELDS:
        return st.integers(min_value=1, max_value=12)
    if field in LIST_FIELDS:
        return _LINES
    return st.sampled_from(["x", LINK, "31/12/2030"])


@st.composite
def _cases(draw: st.DrawFn) -> tuple[PanelService, dict[str, Any]]:
    """Return a service and the values of an order, mostly of fields it accepts."""
    service_type = draw(st.sampled_from(list(ServiceType)))
    minimum = draw(st.integers(min_value=1, max_value=6))
    service = panel_service(
        service_type,
        dripfeed=draw(st.booleans()),
        min_quantity=minimum,
        max_quantity=draw(st.integers(min_value=minimum, max_value=10)),
    )
    accepted = {str(field) for field in service_type.accepted_fields} | {"quantity"}
    values: dict[str, Any] = {}
    for field in OrderField:
        chance = 0.8 if field in accepted else 0.03
        if draw(st.floats(min_value=0, max_value=1)) < chance:
            values[str(field)] = draw(_value(field))
    return service, values


@settings(max_examples=500)
@given(_cases())
def test_first_problem_is_the_former_error(
    case: tuple[PanelService, dict[str, Any]],
) -> None:
    """quote_order accepts what the actions accepted; its first problem was their error."""
    service, values = case
    expected = former_validation(service, values)
    result = quote_order(service, new_order(**values))
    if isinstance(expected, OrderProblem):
        assert isinstance(result, tuple)
        assert result[0] == expected
    else:
        sent, delivered, cost = expected
        assert result == OrderQuote(
            order=new_order(**sent), delivered_quantity=delivered, cost=cost
        )


@settings(max_examples=300)
@given(_cases())
def test_problems_come_in_order_of_kind(
    case: tuple[PanelService, dict[str, Any]],
) -> None:
    """Problems are never empty, and come in the order of their kinds."""
    service, values = case
    result = quote_order(service, new_order(**values))
    if isinstance(result, tuple):
        kinds = list(OrderProblemKind)
        positions = [kinds.index(problem.kind) for problem in result]
        assert positions
        assert positions == sorted(positions)
