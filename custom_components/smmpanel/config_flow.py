"""Config flow for the SMM Panel integration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
import hashlib
from typing import Any, Final, Literal, override
from urllib.parse import urlsplit

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .api import (
    PanelService,
    SmmPanelAuthenticationError,
    SmmPanelClient,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelRateLimitError,
    normalize_url,
)
from .const import (
    CONF_CATALOGUE_INTERVAL,
    CONF_CATEGORY,
    CONF_FINISHED_ORDER_RETENTION,
    CONF_LOW_BALANCE_THRESHOLD,
    CONF_MAX_ORDER_COST,
    CONF_NOTABLE_CHANGE,
    CONF_SCAN_INTERVAL,
    CONF_SERVICE_ID,
    DEFAULT_CATALOGUE_INTERVAL,
    DEFAULT_FINISHED_ORDER_RETENTION,
    DEFAULT_LOW_BALANCE_THRESHOLD,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_CATALOGUE_INTERVAL,
    MAX_FINISHED_ORDER_RETENTION,
    MAX_SCAN_INTERVAL,
    MIN_CATALOGUE_INTERVAL,
    MIN_SCAN_INTERVAL,
    REQUEST_TIMEOUT,
    SUBENTRY_WATCHED_CATEGORY,
    SUBENTRY_WATCHED_SERVICE,
)
from .coordinator import SmmPanelConfigEntry, loaded_currency
from .money import format_rate
from .options import BUDGET_OPTIONS
from .sensor import async_order_entity_ids

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
API_KEY_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)
API_KEY_SCHEMA = probatio.Schema(
    {probatio.Required(probatio.Secret(CONF_API_KEY)): API_KEY_SELECTOR}
)
# No URL is filled in for the user: a key goes only to the address they enter.
CREDENTIALS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_URL): URL_SELECTOR,
        probatio.Required(probatio.Secret(CONF_API_KEY)): API_KEY_SELECTOR,
    }
)
# Shown in the URL field's description and the invalid URL error, never filled in.
URL_PLACEHOLDERS = {"example_url": "https://example-panel.com/api/v2"}


def account_unique_id(url: str, api_key: str) -> str:
    """Return the unique id of a panel account: its URL and a hash of its key."""
    key_hash = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return f"{url}#{key_hash}"


def _number(
    minimum: float,
    maximum: float | None = None,
    *,
    step: float | Literal["any"] = 1,
    unit: str | None,
) -> NumberSelector:
    config = NumberSelectorConfig(min=minimum, step=step, mode=NumberSelectorMode.BOX)
    if maximum is not None:
        config["max"] = maximum
    if unit:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


class SmmPanelConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an SMM panel account."""

    VERSION = 1

    @classmethod
    @override
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: SmmPanelConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return what can be watched under an account: services and categories."""
        return {
            SUBENTRY_WATCHED_SERVICE: WatchedServiceFlow,
            SUBENTRY_WATCHED_CATEGORY: WatchedCategoryFlow,
        }

    @staticmethod
    @override
    @callback
    def async_get_options_flow(
        config_entry: SmmPanelConfigEntry,
    ) -> SmmPanelOptionsFlow:
        """Return the options flow."""
        return SmmPanelOptionsFlow()

    async def _async_validate(
        self, url: str, api_key: str
    ) -> tuple[str, dict[str, str]]:
        """Normalize the URL and check the key by asking the panel for the balance."""
        try:
            url = normalize_url(url)
        except ValueError:
            return url, {CONF_URL: "invalid_url"}
        client = SmmPanelClient(
            async_get_clientsession(self.hass),
            url,
            api_key,
            request_timeout=REQUEST_TIMEOUT,
        )
        try:
            await client.get_balance()
        except SmmPanelAuthenticationError:
            return url, {"base": "invalid_auth"}
        except SmmPanelConnectionError, SmmPanelRateLimitError:
            return url, {"base": "cannot_connect"}
        except SmmPanelError:
            return url, {"base": "invalid_response"}
        except Exception:  # noqa: BLE001
            LOGGER.exception("Unexpected error while checking the panel")
            return url, {"base": "unknown"}
        return url, {}

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the panel's API URL and key and check them."""
        errors: dict[str, str] = {}
        suggested: dict[str, str] = {}
        if user_input is not None:
            url, errors = await self._async_validate(
                user_input[CONF_URL], user_input[CONF_API_KEY]
            )
            if not errors:
                await self.async_set_unique_id(
                    account_unique_id(url, user_input[CONF_API_KEY])
                )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=urlsplit(url).hostname or url,
                    data={CONF_URL: url, CONF_API_KEY: user_input[CONF_API_KEY]},
                )
            suggested = {CONF_URL: url}  # what the user entered, to correct it
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, suggested
            ),
            errors=errors,
            description_placeholders=URL_PLACEHOLDERS,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauthentication after the panel rejected the key."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key for the same panel."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url, errors = await self._async_validate(
                entry.data[CONF_URL], user_input[CONF_API_KEY]
            )
            if not errors:
                return await self._async_update_account(
                    entry, url, user_input[CONF_API_KEY]
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=API_KEY_SCHEMA,
            errors=errors,
            description_placeholders={"title": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the panel's API URL and key."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        url = entry.data[CONF_URL]
        if user_input is not None:
            url, errors = await self._async_validate(
                user_input[CONF_URL], user_input[CONF_API_KEY]
            )
            if not errors:
                return await self._async_update_account(
                    entry, url, user_input[CONF_API_KEY]
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, {CONF_URL: url}
            ),
            errors=errors,
            description_placeholders={
                **URL_PLACEHOLDERS,
                # One sensor per tracked order, whatever state the entry is in.
                "orders": str(len(async_order_entity_ids(self.hass, entry.entry_id))),
            },
        )

    async def _async_update_account(
        self, entry: SmmPanelConfigEntry, url: str, api_key: str
    ) -> ConfigFlowResult:
        unique_id = account_unique_id(url, api_key)
        if unique_id != entry.unique_id:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
        title = urlsplit(url).hostname or url
        data = {**entry.data, CONF_URL: url, CONF_API_KEY: api_key}
        changed = (unique_id, title, data) != (
            entry.unique_id,
            entry.title,
            dict(entry.data),
        )
        result = self.async_update_and_abort(
            entry, unique_id=unique_id, title=title, data=data
        )
        if not (changed and entry.update_listeners):
            # No update listener sets it up again: a key accepted again after a
            # reauth changes nothing, and an entry that failed to load has none.
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return result


class SmmPanelOptionsFlow(OptionsFlow):
    """Change how the account is polled, when it counts as low, and what it may spend.

    A loaded account applies new options through its update listener.
    """

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **user_input,
                    CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                    CONF_FINISHED_ORDER_RETENTION: int(
                        user_input[CONF_FINISHED_ORDER_RETENTION]
                    ),
                    CONF_CATALOGUE_INTERVAL: int(user_input[CONF_CATALOGUE_INTERVAL]),
                }
            )
        currency = loaded_currency(self.config_entry)
        options = self.config_entry.options
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_SCAN_INTERVAL,
                    default=options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL),
                ): _number(MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL, unit="min"),
                probatio.Required(
                    CONF_LOW_BALANCE_THRESHOLD,
                    default=options.get(
                        CONF_LOW_BALANCE_THRESHOLD, DEFAULT_LOW_BALANCE_THRESHOLD
                    ),
                ): _number(0, step="any", unit=currency),
                probatio.Required(
                    CONF_FINISHED_ORDER_RETENTION,
                    default=options.get(
                        CONF_FINISHED_ORDER_RETENTION, DEFAULT_FINISHED_ORDER_RETENTION
                    ),
                ): _number(0, MAX_FINISHED_ORDER_RETENTION, unit="h"),
                probatio.Optional(
                    CONF_MAX_ORDER_COST,
                    description={"suggested_value": options.get(CONF_MAX_ORDER_COST)},
                ): _number(0, step="any", unit=currency),
                probatio.Required(
                    CONF_CATALOGUE_INTERVAL,
                    default=options.get(
                        CONF_CATALOGUE_INTERVAL, DEFAULT_CATALOGUE_INTERVAL
                    ),
                ): _number(MIN_CATALOGUE_INTERVAL, MAX_CATALOGUE_INTERVAL, unit="min"),
                **{
                    probatio.Optional(
                        key, description={"suggested_value": options.get(key)}
                    ): _number(0, step="any", unit=currency)
                    for key in BUDGET_OPTIONS.values()
                },
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)


# Nothing is chosen for the user among what can be hundreds of categories or
# services: the frontend fills a required choice in with its first option unless a
# value is suggested, and an empty suggestion leaves it empty, and still required.
NOTHING_CHOSEN: Final = {"suggested_value": ""}


def searchable_selector(options: list[SelectOptionDict]) -> SelectSelector:
    """Return a choice among many options that the frontend lets the user search.

    The frontend (2026.11) shows a select as a plain menu, except one that accepts
    a custom value: that is a picker with a search field, quick with hundreds of
    options. A typed value that is no option reaches the flow, which refuses it.
    """
    return SelectSelector(
        SelectSelectorConfig(
            options=options, mode=SelectSelectorMode.DROPDOWN, custom_value=True
        )
    )


def category_sizes(catalogue: Mapping[int, PanelService]) -> Counter[str]:
    """Return the catalogue's categories, with how many services each has."""
    return Counter(service.category for service in catalogue.values())


def category_selector(catalogue: Mapping[int, PanelService]) -> SelectSelector:
    """Return a searchable choice of the catalogue's categories, with their sizes."""
    return searchable_selector(
        [
            SelectOptionDict(value=category, label=f"{category} ({size})")
            for category, size in sorted(category_sizes(catalogue).items())
        ]
    )


def service_label(service: PanelService, currency: str | None) -> str:
    """Return how a service is shown to be chosen: its id, name and rate per 1000."""
    return (
        f"#{service.service_id} · {service.name} · "
        f"{format_rate(service.rate, currency)}"
    )


def _by_id(services: Iterable[PanelService]) -> list[PanelService]:
    return sorted(services, key=lambda service: service.service_id)


def service_selector(
    services: Iterable[PanelService], currency: str | None
) -> SelectSelector:
    """Return a menu of services by id, name and rate per 1000."""
    return SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(
                    value=str(service.service_id),
                    label=service_label(service, currency),
                )
                for service in _by_id(services)
            ],
            mode=SelectSelectorMode.DROPDOWN,
        )
    )


def searchable_service_selector(
    services: Iterable[PanelService], currency: str | None
) -> SelectSelector:
    """Return a searchable choice of services by id, name and rate per 1000.

    Each option's value is its label: the picker shows the chosen value as it is,
    and "#1 · Followers · 1.20 USD per 1000" says more than "1".
    """
    labels = [service_label(service, currency) for service in _by_id(services)]
    return searchable_selector(
        [SelectOptionDict(value=label, label=label) for label in labels]
    )


def chosen_service(
    services: Iterable[PanelService], chosen: str
) -> PanelService | None:
    """Return the service a searchable choice names: by its label, or its id typed."""
    service_id = chosen.strip().partition(" · ")[0].removeprefix("#")
    return next(
        (service for service in services if str(service.service_id) == service_id),
        None,
    )


def watched_service_title(service: PanelService) -> str:
    """Return the title of a watched service: its id and name."""
    return f"#{service.service_id} · {service.name}"


def watched_service_unique_id(service_id: int) -> str:
    """Return the unique id of a watched service's subentry."""
    return f"service_{service_id}"


def unwatched_services(
    entry: SmmPanelConfigEntry,
    catalogue: Mapping[int, PanelService],
    category: str,
) -> list[PanelService]:
    """Return the services of a category that no subentry of the entry watches."""
    watched = {
        subentry.unique_id
        for subentry in entry.get_subentries_of_type(SUBENTRY_WATCHED_SERVICE)
    }
    return [
        service
        for service in catalogue.values()
        if service.category == category
        and watched_service_unique_id(service.service_id) not in watched
    ]


NOTABLE_CHANGE_SELECTOR = _number(0.1, 1000, step="any", unit="%")


class _CatalogueSubentryFlow(ConfigSubentryFlow):
    """A subentry flow that picks from the loaded account's catalogue."""

    _catalogue: Mapping[int, PanelService]

    async def _async_load_catalogue(self) -> SubentryFlowResult | None:
        """Fetch the catalogue, or return why the flow cannot go on."""
        entry: SmmPanelConfigEntry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="account_not_loaded")
        try:
            self._catalogue = await entry.runtime_data.catalogue.async_get()
        except SmmPanelError as error:
            return self.async_abort(
                reason="catalogue_unavailable",
                description_placeholders={"error": str(error)},
            )
        return None

    def _async_show_choice(
        self,
        step_id: str,
        schema: probatio.Schema,
        shown: Mapping[str, Any] | None,
        errors: dict[str, str],
        placeholders: Mapping[str, str] | None = None,
    ) -> SubentryFlowResult:
        """Show a form choosing from the catalogue, with `shown` filled in."""
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, shown),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _category_schema(self) -> probatio.Schema:
        return probatio.Schema(
            {
                probatio.Required(
                    CONF_CATEGORY, description=NOTHING_CHOSEN
                ): category_selector(self._catalogue)
            }
        )


class WatchedServiceFlow(_CatalogueSubentryFlow):
    """Watch one service: find its category, then the service, then a threshold."""

    _category: str

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose the category of the service to watch."""
        if (stopped := await self._async_load_catalogue()) is not None:
            return stopped
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_CATEGORY] in category_sizes(self._catalogue):
                self._category = user_input[CONF_CATEGORY]
                return await self.async_step_service()
            errors[CONF_CATEGORY] = "unknown_category"
        return self._async_show_choice(
            "user", self._category_schema(), user_input, errors
        )

    async def async_step_service(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose the service, and how large a rate change is notable."""
        entry: SmmPanelConfigEntry = self._get_entry()
        choices = unwatched_services(entry, self._catalogue, self._category)
        if not choices:
            return self.async_abort(reason="category_all_watched")
        errors: dict[str, str] = {}
        if user_input is not None:
            service = chosen_service(choices, user_input[CONF_SERVICE_ID])
            if service is not None:
                return self._async_create_watch(service, user_input)
            errors[CONF_SERVICE_ID] = "unknown_service"
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_SERVICE_ID, description=NOTHING_CHOSEN
                ): searchable_service_selector(
                    choices, entry.runtime_data.coordinator.currency
                ),
                probatio.Optional(CONF_NOTABLE_CHANGE): NOTABLE_CHANGE_SELECTOR,
            }
        )
        return self._async_show_choice(
            "service", schema, user_input, errors, {"category": self._category}
        )

    def _async_create_watch(
        self, service: PanelService, user_input: Mapping[str, Any]
    ) -> SubentryFlowResult:
        data: dict[str, Any] = {CONF_SERVICE_ID: service.service_id}
        if (threshold := user_input.get(CONF_NOTABLE_CHANGE)) is not None:
            data[CONF_NOTABLE_CHANGE] = threshold
        return self.async_create_entry(
            title=watched_service_title(service),
            data=data,
            unique_id=watched_service_unique_id(service.service_id),
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change how large a rate change of the watched service is notable."""
        subentry = self._get_reconfigure_subentry()
        if user_input is not None:
            return self.async_update_and_abort(
                self._get_entry(),
                subentry,
                data={
                    CONF_SERVICE_ID: subentry.data[CONF_SERVICE_ID],
                    **user_input,
                },
            )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=probatio.Schema(
                {
                    probatio.Optional(
                        CONF_NOTABLE_CHANGE,
                        description={
                            "suggested_value": subentry.data.get(CONF_NOTABLE_CHANGE)
                        },
                    ): NOTABLE_CHANGE_SELECTOR,
                }
            ),
            description_placeholders={"service": subentry.title},
        )


class WatchedCategoryFlow(_CatalogueSubentryFlow):
    """Watch a category for services the panel adds to it."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose the category to watch."""
        return await self._async_step_category("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Watch another category instead."""
        return await self._async_step_category("reconfigure", user_input)

    async def _async_step_category(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        if (stopped := await self._async_load_catalogue()) is not None:
            return stopped
        errors: dict[str, str] = {}
        if user_input is not None:
            category: str = user_input[CONF_CATEGORY]
            if category in category_sizes(self._catalogue):
                return self._async_watch_category(category)
            errors[CONF_CATEGORY] = "unknown_category"
        elif self.source != SOURCE_USER:
            user_input = dict(self._get_reconfigure_subentry().data)
        return self._async_show_choice(
            step_id, self._category_schema(), user_input, errors
        )

    def _async_watch_category(self, category: str) -> SubentryFlowResult:
        """Watch the category, unless another watch of the entry does."""
        unique_id = f"category_{category}"
        watched = {
            subentry.unique_id
            for subentry in self._get_entry().get_subentries_of_type(
                SUBENTRY_WATCHED_CATEGORY
            )
        }
        if self.source != SOURCE_USER:
            watched.discard(self._get_reconfigure_subentry().unique_id)
        if unique_id in watched:
            return self.async_abort(reason="already_configured")
        if self.source == SOURCE_USER:
            return self.async_create_entry(
                title=category, data={CONF_CATEGORY: category}, unique_id=unique_id
            )
        return self.async_update_and_abort(
            self._get_entry(),
            self._get_reconfigure_subentry(),
            title=category,
            data={CONF_CATEGORY: category},
            unique_id=unique_id,
        )
