"""Config flow for the SMM Panel integration."""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
from typing import Any, Literal, override
from urllib.parse import urlsplit

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .api import (
    SmmPanelAuthenticationError,
    SmmPanelClient,
    SmmPanelConnectionError,
    SmmPanelError,
    SmmPanelRateLimitError,
    normalize_url,
)
from .const import (
    CONF_FINISHED_ORDER_RETENTION,
    CONF_LOW_BALANCE_THRESHOLD,
    CONF_MAX_ORDER_COST,
    CONF_SCAN_INTERVAL,
    DEFAULT_FINISHED_ORDER_RETENTION,
    DEFAULT_LOW_BALANCE_THRESHOLD,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_URL,
    DOMAIN,
    LOGGER,
    MAX_FINISHED_ORDER_RETENTION,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    REQUEST_TIMEOUT,
)
from .coordinator import SmmPanelConfigEntry, loaded_currency
from .sensor import async_order_entity_ids

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
API_KEY_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)
API_KEY_SCHEMA = probatio.Schema(
    {probatio.Required(probatio.Secret(CONF_API_KEY)): API_KEY_SELECTOR}
)


def _credentials_schema(url: str) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(
                CONF_URL, description={"suggested_value": url}
            ): URL_SELECTOR,
            probatio.Required(probatio.Secret(CONF_API_KEY)): API_KEY_SELECTOR,
        }
    )


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
        url = DEFAULT_URL
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
        return self.async_show_form(
            step_id="user",
            data_schema=_credentials_schema(url),
            errors=errors,
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
            data_schema=_credentials_schema(url),
            errors=errors,
            description_placeholders={
                # One sensor per tracked order, whatever state the entry is in.
                "orders": str(len(async_order_entity_ids(self.hass, entry.entry_id)))
            },
        )

    async def _async_update_account(
        self, entry: SmmPanelConfigEntry, url: str, api_key: str
    ) -> ConfigFlowResult:
        unique_id = account_unique_id(url, api_key)
        if unique_id != entry.unique_id:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
        return self.async_update_reload_and_abort(
            entry,
            unique_id=unique_id,
            title=urlsplit(url).hostname or url,
            data_updates={CONF_URL: url, CONF_API_KEY: api_key},
        )


class SmmPanelOptionsFlow(OptionsFlowWithReload):
    """Change how the account is polled and when it counts as low."""

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
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
