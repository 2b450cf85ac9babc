"""The SMM panel "API v2" protocol (Perfect Panel and its clones).

A library inside the integration: nothing here imports Home Assistant, the modules
import one another only relatively, and they need only aiohttp and yarl, so the
package could be published as it is. One job a module:

- `client`: SmmPanelClient, the requests it sends and the failures it raises;
- `models`: the values sent and answered (statuses, balance, service, order, states);
- `service_types`: the service types, the `add` fields (`ORDER_FIELDS`: what each
  holds) and which fields each type takes;
- `orders`: whether a service accepts an order, and what it costs (`quote_order`);
- `guarantee`: the refill a service's name promises (`refill_guarantee`);
- `parsing`: the lenient readers from decoded JSON to the models;
- `wordings`: what a panel's error text means (`classify_error`);
- `exceptions`: SmmPanelError and its subclasses.

The answers are read by the hand-written readers of `parsing`, not decoded with
mashumaro (which Home Assistant ships): its decoders are strict where panels need
leniency and lenient where they need care. `bool("0")` is True, `int(Decimal("1.5"))`
is 1, "NaN" and "1e400" are Decimals, and an unreadable `remains` fails the whole row
instead of becoming unknown. The wire does not map field to field either: `type` is
read into two fields (the normalized type and the raw text), `desc` or `description`
into one, a batch row's id is its key, and a malformed catalogue row is skipped. Every
field would need a deserializer of its own: the same readers, behind a mixin on the
models.
"""

from .client import (
    DEFAULT_API_PATH,
    DEFAULT_REQUEST_TIMEOUT,
    MAX_IDS_PER_REQUEST,
    SmmPanelClient,
    normalize_url,
)
from .exceptions import (
    SmmPanelApiError,
    SmmPanelAuthenticationError,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelInvalidResponseError,
    SmmPanelOrderOutcomeUnknownError,
    SmmPanelRateLimitError,
    SmmPanelTimeoutError,
    SmmPanelUnsupportedActionError,
)
from .guarantee import (
    LIFETIME_REFILL,
    MAX_REFILL_DAYS,
    NO_REFILL,
    RefillGuarantee,
    RefillTerm,
    refill_guarantee,
)
from .models import (
    FINISHED_ORDER_STATUSES,
    FINISHED_REFILL_STATUSES,
    Balance,
    NewOrder,
    OrderState,
    OrderStatus,
    PanelService,
    RefillState,
    RefillStatus,
    RowError,
)
from .orders import (
    ESTIMATED_UNITS_WITHOUT_QUANTITY,
    DripfeedIncomplete,
    DripfeedNotSupported,
    FieldsNotAllowed,
    MinAboveMax,
    MissingFields,
    OrderProblem,
    OrderProblemKind,
    OrderQuote,
    QuantityMismatch,
    QuantityOutOfRange,
    quote_order,
)
from .service_types import (
    DATE_FORMAT,
    ORDER_FIELDS,
    FieldKind,
    FieldSpec,
    OrderField,
    ServiceType,
)
from .wordings import ErrorReason, classify_error

__all__ = [
    "DATE_FORMAT",
    "DEFAULT_API_PATH",
    "DEFAULT_REQUEST_TIMEOUT",
    "ESTIMATED_UNITS_WITHOUT_QUANTITY",
    "FINISHED_ORDER_STATUSES",
    "FINISHED_REFILL_STATUSES",
    "LIFETIME_REFILL",
    "MAX_IDS_PER_REQUEST",
    "MAX_REFILL_DAYS",
    "NO_REFILL",
    "ORDER_FIELDS",
    "Balance",
    "DripfeedIncomplete",
    "DripfeedNotSupported",
    "ErrorReason",
    "FieldKind",
    "FieldSpec",
    "FieldsNotAllowed",
    "MinAboveMax",
    "MissingFields",
    "NewOrder",
    "OrderField",
    "OrderProblem",
    "OrderProblemKind",
    "OrderQuote",
    "OrderState",
    "OrderStatus",
    "PanelService",
    "QuantityMismatch",
    "QuantityOutOfRange",
    "RefillGuarantee",
    "RefillState",
    "RefillStatus",
    "RefillTerm",
    "RowError",
    "ServiceType",
    "SmmPanelApiError",
    "SmmPanelAuthenticationError",
    "SmmPanelClient",
    "SmmPanelConnectionError",
    "SmmPanelError",
    "SmmPanelInvalidResponseError",
    "SmmPanelOrderOutcomeUnknownError",
    "SmmPanelRateLimitError",
    "SmmPanelTimeoutError",
    "SmmPanelUnsupportedActionError",
    "classify_error",
    "normalize_url",
    "quote_order",
    "refill_guarantee",
]
