"""Bad and hostile input: refused with a clear error, or sent to the panel exactly."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
import json
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util.json import json_loads
from hypothesis import HealthCheck, assume, given, settings, strategies as st
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smmpanel.api import (
    ORDER_FIELDS,
    FieldKind,
    OrderStatus,
    RefillStatus,
    ServiceType,
)
from custom_components.smmpanel.const import DOMAIN
from custom_components.smmpanel.models import TrackedOrder, TrackedRefill
from custom_components.smmpanel.storage import TrackingStorage
from panel_simulator import CATALOGUE, Panel, Service, ServiceType as PanelServiceType
from panel_simulator.order_form import REQUIRED_FIELDS

from .const import API_KEY
from .helpers import LINK, TRANSLATIONS, call, load_catalogue

INTEGER_FIELDS, LIST_FIELDS, LINE_FIELDS = (
    [field for field, spec in ORDER_FIELDS.items() if spec.kind is kind]
    for kind in (FieldKind.WHOLE_NUMBER, FieldKind.LINES, FieldKind.LINE)
)

SMUGGLED = f"&key={API_KEY[::-1]}&action=balance&service=102"
COMMENT_LINES = 10_000
BULK_COMMENTS = Service(
    service_id=50,
    name="Instagram Comments - Custom Bulk",
    type=PanelServiceType.CUSTOM_COMMENTS,
    category="Instagram Comments",
    rate=Decimal("15.00"),
    min_quantity=5,
    max_quantity=20_000,
)
ORDER_ID_ACTIONS = (
    "refill",
    "cancel",
    "track_order",
    "untrack_order",
    "get_order_status",
)
NO_RESPONSE = {"untrack_order"}
STORED_ENTRY_ID = "01KSMMPANELSTOREDENTRY00000"
STORED_KEY = f"{DOMAIN}.{STORED_ENTRY_ID}"
STORED_URL = "https://panel.example/api/v2"


async def _call_any(
    hass: HomeAssistant, action: str, entry: MockConfigEntry, data: dict[str, Any]
) -> Any:
    return await call(
        hass, action, entry, data, return_response=action not in NO_RESPONSE
    )


def _assert_translated(error: ServiceValidationError) -> None:
    """Check that a validation error has a message with all its placeholders."""
    assert error.translation_domain == DOMAIN
    message = TRANSLATIONS["exceptions"][error.translation_key]["message"]
    for placeholder in error.translation_placeholders or {}:
        assert f"{{{placeholder}}}" in message


@pytest.mark.parametrize(
    ("service", "fields"),
    [
        pytest.param(
            1, {"link": f"{LINK}?ref=1{SMUGGLED}", "quantity": 100}, id="link_query"
        ),
        pytest.param(
            1,
            {"link": f"{LINK}/%26key%3Dx%0Aaction%3Dadd", "quantity": 100},
            id="link_percent_encoded",
        ),
        pytest.param(
            1,
            {"link": "https://пример.рф/страница?q=über&emoji=🚀", "quantity": 100},
            id="link_international",
        ),
        pytest.param(
            11,
            {"link": LINK, "quantity": 200, "username": f"natgeo{SMUGGLED}"},
            id="single_line_field",
        ),
        pytest.param(
            5,
            {
                "link": LINK,
                "comments": [
                    SMUGGLED,
                    "key=stolen",
                    "--boundary\r\nContent-Disposition: form-data; name=key",
                    "👨‍👩‍👧 family time",
                    "Отлично! رائع 很好 e\u0301té",
                ],
            },
            id="list_field",
        ),
        pytest.param(
            8,
            {
                "link": LINK,
                "quantity": 100,
                "usernames": ["пользователь", "ユーザー", "user&quantity=99999"],
                "hashtags": "#été\n#東京",
            },
            id="several_list_fields",
        ),
    ],
)
async def test_hostile_text_reaches_the_panel_exactly(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    service: int,
    fields: dict[str, Any],
) -> None:
    """Text that looks like form fields, or is not ASCII, is sent as the value it is."""
    response = await call(
        hass, "add_order", setup_integration, {"service": service, **fields}
    )

    received = panel.orders[response["order"]].fields
    expected = {
        name: "\n".join(value) if isinstance(value, list) else str(value)
        for name, value in fields.items()
    }
    if service == 5:
        # Custom comments: the panel counts the lines; CR LF became one line break.
        expected["comments"] = expected["comments"].replace("\r\n", "\n")
    assert received == expected
    assert dict(panel.request_counts)["add"] == 1
    assert panel.balance < Decimal(1000)  # the request carried the real key


async def test_ten_thousand_comments(
    hass: HomeAssistant, panel: Panel, config_entry: MockConfigEntry
) -> None:
    """A 10,000-line comment list is refused where too long, and sent whole elsewhere."""
    panel.services[BULK_COMMENTS.service_id] = BULK_COMMENTS
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    comments = [
        f"Comment {line} — ✓{'é' * (line % 7)}" for line in range(COMMENT_LINES)
    ]

    with pytest.raises(ServiceValidationError) as error:
        await call(
            hass,
            "add_order",
            config_entry,
            {"service": 5, "link": LINK, "comments": comments},
        )
    assert error.value.translation_key == "quantity_out_of_range"
    assert error.value.translation_placeholders == {
        "quantity": str(COMMENT_LINES),
        "service": "Instagram Comments - Custom",
        "service_id": "5",
        "min": "5",
        "max": "500",
    }
    assert panel.request_counts["add"] == 0

    response = await call(
        hass,
        "add_order",
        config_entry,
        {"service": BULK_COMMENTS.service_id, "link": LINK, "comments": comments},
    )
    order = panel.orders[response["order"]]
    assert order.fields["comments"].split("\n") == comments
    assert order.quantity == COMMENT_LINES
    assert order.charge == BULK_COMMENTS.cost(COMMENT_LINES)


# Per action, input refused before anything is sent, and the error refusing it.
REFUSED_ORDER_IDS: list[tuple[dict[str, Any], type[Exception]]] = [
    *(
        ({"orders": orders}, ServiceValidationError)
        for orders in ("1,2&key=x", "1\n2", "²", "1e3", ["1", "two"])
    ),
    *(
        (data, probatio.Invalid)
        for data in (
            {"orders": {"1": 1}},
            {"orders": [[1, 2]]},
            {"orders": None},
            {"orders": 1, "extra": "field"},
        )
    ),
]
REFUSED_ORDER_IDS_OR_NONE: list[tuple[dict[str, Any], type[Exception]]] = [
    *REFUSED_ORDER_IDS,
    ({}, probatio.Invalid),
]
# Actions that also take order sensors: without either, the handler refuses.
SENSOR_ACTIONS = ("refill", "cancel", "untrack_order")
REFUSED_ORDER_TARGETS: list[tuple[dict[str, Any], type[Exception]]] = [
    *REFUSED_ORDER_IDS,
    ({}, ServiceValidationError),
    ({"entity_id": "sensor.smm_panel_127_0_0_1_balance"}, ServiceValidationError),
    ({"entity_id": "sensor.smm_panel_127_0_0_1_order_1; DROP"}, probatio.Invalid),
    ({"entity_id": {"a": 1}}, probatio.Invalid),
]
ORDER = {"service": 1, "link": LINK, "quantity": 100}
REFUSED: dict[str, list[tuple[dict[str, Any], type[Exception]]]] = {
    **dict.fromkeys(ORDER_ID_ACTIONS, REFUSED_ORDER_IDS_OR_NONE),
    **dict.fromkeys(SENSOR_ACTIONS, REFUSED_ORDER_TARGETS),
    "add_order": [
        *(
            (ORDER | change, probatio.Invalid)
            for change in (
                {"service": "1; DROP"},
                {"link": {"url": LINK}},
                {"quantity": 1e400},
                {"key": API_KEY},
                {"action": "add"},
            )
        ),
        ({"service": 5, "link": LINK, "comments": {"a": 1}}, probatio.Invalid),
        ({"service": 5, "link": LINK, "comments": [["a"]]}, probatio.Invalid),
        *(
            (ORDER | change, ServiceValidationError)
            for change in (
                {"link": f"{LINK}\r\nkey=x"},
                {"link": f"{LINK}\u2028x"},
                {"link": f"{LINK}\u202ex"},
                {"service": 7},  # Mentions: usernames missing
                {"service": 404},
                {"quantity": 10**12},
            )
        ),
        (ORDER | {"service": 11, "username": "a\r\nkey=x"}, ServiceValidationError),
        (
            {
                "service": 20,
                "link": LINK,
                "quantity": 1000,
                "country": "US\rkey=x",
                "device": "1",
                "type_of_traffic": "1",
            },
            ServiceValidationError,
        ),
    ],
    "get_services": [
        ({"category": {"a": 1}}, probatio.Invalid),
        ({"search": ["a"]}, probatio.Invalid),
        ({"type": "Default&key=x"}, probatio.Invalid),
        ({"limit": "5&key=x"}, probatio.Invalid),
    ],
}


@pytest.mark.parametrize("action", REFUSED)
async def test_bad_input_is_refused_before_sending(
    hass: HomeAssistant,
    *,
    panel: Panel,
    setup_integration: MockConfigEntry,
    subtests: pytest.Subtests,
    action: str,
) -> None:
    """Wrong types, missing fields, bad ids and smuggled separators send nothing."""
    await load_catalogue(hass, setup_integration)
    sent = dict(panel.request_counts)
    for data, error in REFUSED[action]:
        with subtests.test(data=data):
            with pytest.raises(error) as raised:
                await _call_any(hass, action, setup_integration, data)
            if isinstance(raised.value, ServiceValidationError):
                _assert_translated(raised.value)
    assert dict(panel.request_counts) == sent


# --- Fuzzing ------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
TEXT = st.text(max_size=40)
# Values of the type each `add_order` field takes, with hostile content.
TYPED_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "link": st.sampled_from([LINK, "someuser"]) | TEXT,
    **dict.fromkeys(INTEGER_FIELDS, st.integers(min_value=1, max_value=30_000)),
    **dict.fromkeys(LIST_FIELDS, st.lists(TEXT, max_size=12) | TEXT),
    **dict.fromkeys(LINE_FIELDS, TEXT),
    "expiry": st.dates().map(lambda day: day.strftime("%d/%m/%Y")) | TEXT,
}


def _typed_order(service: Service) -> st.SearchStrategy[dict[str, Any]]:
    """Return orders for a service: the fields it needs and up to two others."""
    needed = st.fixed_dictionaries(
        {name: TYPED_FIELDS[name] for name in REQUIRED_FIELDS[service.type]}
    )
    others = st.lists(st.sampled_from(list(TYPED_FIELDS)), max_size=2).flatmap(
        lambda names: st.fixed_dictionaries(
            {name: TYPED_FIELDS[name] for name in names}
        )
    )
    return st.tuples(needed, others).map(
        lambda parts: {"service": service.service_id, **parts[1], **parts[0]}
    )


TYPED_ORDERS = st.sampled_from(CATALOGUE).flatmap(_typed_order)
ANY_ORDERS = st.fixed_dictionaries(
    {}, optional=dict.fromkeys(["service", *TYPED_FIELDS], JSON_VALUES)
)
ORDERS = st.one_of(TYPED_ORDERS, TYPED_ORDERS, TYPED_ORDERS, ANY_ORDERS)
ORDER_IDS = (
    st.integers(min_value=-5, max_value=10**6)
    | st.lists(st.integers(min_value=1, max_value=10**6) | TEXT, max_size=5)
    | TEXT
    | JSON_VALUES
)
CALLS = st.one_of(
    st.tuples(
        st.just("add_order"), ORDERS.map(lambda data: data | {"validate_only": True})
    ),
    st.tuples(
        st.sampled_from(ORDER_ID_ACTIONS),
        st.fixed_dictionaries({}, optional={"orders": ORDER_IDS}),
    ),
    st.tuples(
        st.just("get_services"),
        st.fixed_dictionaries(
            {},
            optional={
                "category": TEXT | JSON_VALUES,
                "search": TEXT | JSON_VALUES,
                "type": st.sampled_from([str(kind) for kind in ServiceType]) | TEXT,
            },
        ),
    ),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(action_call=CALLS)
async def test_fuzzed_actions_never_fail_unexpectedly(
    hass: HomeAssistant,
    panel: Panel,
    setup_integration: MockConfigEntry,
    action_call: tuple[str, dict[str, Any]],
) -> None:
    """Any input is answered, or refused with a validation error; nothing else."""
    action, data = action_call
    try:
        await _call_any(hass, action, setup_integration, data)
    except probatio.Invalid:
        pass
    except ServiceValidationError as error:
        _assert_translated(error)
    except HomeAssistantError as error:  # a panel failure: there is none to cause one
        pytest.fail(f"{action} {data!r} failed: {error!r}")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert panel.request_counts["add"] == 0


STORED_ROWS = st.dictionaries(
    st.sampled_from(
        [
            "order_id",
            "refill_id",
            "tracked_at",
            "requested_at",
            "finished_at",
            "status",
            "charge",
            "quantity",
            "link",
            "error",
        ]
    ),
    st.integers(min_value=-2, max_value=10**20)
    | st.sampled_from(["completed", "in_progress", "2026-01-01T00:00:00", "NaN"])
    | JSON_VALUES,
)


def _storage(hass: HomeAssistant) -> TrackingStorage:
    """Return the tracking storage of an account, as a setup opens it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=STORED_ENTRY_ID,
        title="panel.example",
        data={CONF_URL: STORED_URL, CONF_API_KEY: API_KEY},
    )
    return TrackingStorage(hass, entry)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(row=STORED_ROWS | JSON_VALUES)
async def test_fuzzed_stored_rows_are_read_or_dropped(
    hass: HomeAssistant, hass_storage: dict[str, Any], row: Any
) -> None:
    """A stored row of any shape is read into a usable order or refill, or dropped."""
    stored = {"url": STORED_URL, "orders": [row], "refills": [row]}
    try:  # a file as a hand or another release may have written it, read as HA does
        data = json_loads(json.dumps(stored))
    except ValueError:
        assume(False)  # not JSON (NaN): the whole file is unreadable, not a row
    hass_storage[STORED_KEY] = {"version": 1, "minor_version": 2, "data": data}

    orders, refills = await _storage(hass).async_load()

    assert len(orders) <= 1 and len(refills) <= 1
    for order in orders:
        assert order.order_id > 0
        assert order.tracked_at.tzinfo is not None
        assert order.finished_at is None or order.finished_at.tzinfo is not None
    for refill in refills:
        assert refill.refill_id > 0 and refill.order_id > 0
    await _storage(hass).async_save((orders, refills))
    assert await _storage(hass).async_load() == (orders, refills)


MONEY = st.decimals(allow_nan=False, allow_infinity=False, places=7)
MOMENTS = st.datetimes(timezones=st.just(UTC))
IDS = st.integers(min_value=1, max_value=2**53)
# Storage is written by orjson, which holds integers of 64 bits at most.
COUNTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
QUANTITIES = st.integers(min_value=1, max_value=2**63 - 1)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    order=st.builds(
        TrackedOrder,
        order_id=IDS,
        tracked_at=MOMENTS,
        service_id=st.none() | IDS,
        service_name=st.none() | st.text(),
        link=st.none() | st.text(),
        quantity=st.none() | QUANTITIES,
        status=st.none() | st.sampled_from(OrderStatus),
        raw_status=st.none() | st.text(),
        charge=st.none() | MONEY,
        start_count=st.none() | COUNTS,
        remains=st.none() | COUNTS,
        currency=st.none() | st.text(),
        finished_at=st.none() | MOMENTS,
        error=st.none() | st.text(),
    ),
    refill=st.builds(
        TrackedRefill,
        refill_id=IDS,
        order_id=IDS,
        requested_at=MOMENTS,
        status=st.none() | st.sampled_from(RefillStatus),
        raw_status=st.none() | st.text(),
        finished_at=st.none() | MOMENTS,
        error=st.none() | st.text(),
    ),
)
async def test_stored_tracking_round_trips(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    order: TrackedOrder,
    refill: TrackedRefill,
) -> None:
    """Whatever is tracked is read back from storage exactly as it was written."""
    await _storage(hass).async_save(([order], [refill]))

    assert await _storage(hass).async_load() == ([order], [refill])
