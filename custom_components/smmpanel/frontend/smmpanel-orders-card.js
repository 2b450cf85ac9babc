/*
 * SMM Panel orders card: the balance of a panel account and its tracked orders,
 * with refill, cancel, track and place order actions for administrators.
 *
 * Plain JavaScript, no build step. Everything a panel sends (service names, links,
 * messages) is untrusted: this file never parses HTML. Every element is made with
 * document.createElement and every text is set with textContent; only http(s) links
 * become anchors.
 */

const DOMAIN = "smmpanel";
const CARD_TYPE = "smmpanel-orders-card";
const EDITOR_TYPE = "smmpanel-orders-card-editor";
// Order sensors are named "Order <id>" (order_status) or "Order <id> · <service>"
// (order_status_service).
const ORDER_TRANSLATION_KEY = "order_status";
const FINISHED = new Set(["completed", "partial", "canceled", "refunded"]);
const IN_FLIGHT = new Set(["pending", "in_progress", "processing"]);
const REFILLABLE = new Set(["completed", "partial"]);
const FINISHED_REFILLS = new Set(["completed", "rejected", "error"]);
const STATUS_ICONS = {
  pending: "mdi:clock-outline",
  in_progress: "mdi:progress-clock",
  processing: "mdi:cog-sync-outline",
  completed: "mdi:check-circle-outline",
  partial: "mdi:circle-half-full",
  canceled: "mdi:cancel",
  refunded: "mdi:cash-refund",
  active: "mdi:autorenew",
};
const UNKNOWN_STATUS_ICON = "mdi:help-circle-outline";
const COMMENT_TYPES = new Set(["custom_comments", "custom_comments_package", "comment_replies"]);
// The order form asks the server for the services matching its search, at most
// this many: a panel may sell 10,000 services, megabytes the card never downloads.
const SERVICES_SHOWN = 50;
const SEARCH_DELAY_MS = 300; // typing pauses this long before the search is sent
const AGE_REFRESH_MS = 60_000;
const DATE_WITHOUT_YEAR_MS = 182 * 86_400_000; // a date this near needs no year
// The account's money insight sensors shown beside the balance, by translation key;
// each is left out when the account has no such sensor.
const MONEY_SENSORS = ["spent_today", "spent_this_month", "balance_runway"];
// The card's texts live in translations/<language>.json under
// selector.orders_card.options: a category the frontend loads for the user's language.
// The order statuses are the order sensors' entity translations, loaded beside them:
// the frontend loads those of an integration only when something asks.
const TEXTS_CATEGORY = "selector";
const TEXTS_PREFIX = `component.${DOMAIN}.${TEXTS_CATEGORY}.orders_card.options`;
const STATUSES_CATEGORY = "entity";
const STATUS_TEXT = `component.${DOMAIN}.entity.sensor.${ORDER_TRANSLATION_KEY}.state.pending`;
// An action's error names the field it concerns by its translation key, or in its
// placeholders (`fields`, `field`): it shows at that field of the order form.
const FIELD_OF_ERROR = {
  quantity_out_of_range: "quantity",
  quantity_mismatch: "quantity",
  invalid_link: "link",
  unknown_service: "service",
};
const FIELDS_IN_PLACEHOLDERS = new Set(["missing_fields", "fields_not_allowed", "invalid_text"]);
const FORM_FIELDS = ["link", "quantity", "comments"];
// Placeholders of the integration's errors that hold a number, or an amount of money,
// as text: shown in the user's number format.
const NUMBER_PLACEHOLDERS = ["quantity", "min", "max", "count"];
const MONEY_PLACEHOLDERS = ["cost", "cap", "balance"];
const MIN_MONEY_DECIMALS = 2;
const MAX_MONEY_DECIMALS = 20; // as many as Intl.NumberFormat takes everywhere

const STYLE = `
:host { display: block; }
ha-card { overflow: hidden; }
.header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px;
  padding: 16px 16px 8px; }
.title { font-size: 1.25em; font-weight: 500; flex: 1 1 auto; min-width: 0;
  overflow-wrap: anywhere; color: var(--primary-text-color); }
.balance { font-size: 1.25em; font-weight: 500; white-space: nowrap;
  color: var(--primary-text-color); }
.money { display: flex; flex-wrap: wrap; gap: 2px 16px; padding: 0 16px 8px;
  font-size: 0.9em; color: var(--secondary-text-color); }
.money .value { color: var(--primary-text-color); white-space: nowrap; }
.low { display: flex; align-items: center; gap: 6px; padding: 0 16px 8px;
  color: var(--secondary-text-color); font-size: 0.9em; }
.low.on { color: var(--error-color, #db4437); }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; padding: 0 16px 12px; }
.track { display: flex; gap: 8px; flex: 1 1 200px; min-width: 0; }
.track input { flex: 1 1 80px; min-width: 0; }
button { font: inherit; cursor: pointer; border-radius: 4px; padding: 6px 10px;
  border: 1px solid var(--divider-color, #e0e0e0); background: transparent;
  color: var(--primary-color); }
button.primary { background: var(--primary-color); color: var(--text-primary-color, #fff);
  border-color: var(--primary-color); }
button:disabled { opacity: 0.5; cursor: default; }
input, textarea, select { font: inherit; box-sizing: border-box; padding: 6px 8px;
  border-radius: 4px; border: 1px solid var(--divider-color, #e0e0e0);
  background: var(--card-background-color, #fff); color: var(--primary-text-color); }
.message { padding: 0 16px 8px; font-size: 0.9em; color: var(--secondary-text-color);
  overflow-wrap: anywhere; }
.message .error, .message.error { color: var(--error-color, #db4437); }
.group-title { display: flex; align-items: center; gap: 8px; width: 100%;
  box-sizing: border-box;
  padding: 8px 16px; border: 0; border-top: 1px solid var(--divider-color, #e0e0e0);
  border-radius: 0; color: var(--secondary-text-color); text-align: start;
  font-weight: 500; background: transparent; }
.empty { padding: 8px 16px 16px; color: var(--secondary-text-color); }
.order { display: grid; grid-template-columns: 24px minmax(0, 1fr) auto; gap: 2px 10px;
  padding: 10px 16px; border-top: 1px solid var(--divider-color, #e0e0e0);
  content-visibility: auto; contain-intrinsic-size: auto 88px; cursor: pointer; }
.order:hover { background: var(--secondary-background-color, #f5f5f5); }
.order ha-icon { grid-row: 1 / span 2; color: var(--state-icon-color, var(--primary-color)); }
.order[data-status="completed"] ha-icon { color: var(--success-color, #43a047); }
.order[data-status="canceled"] ha-icon, .order[data-status="refunded"] ha-icon,
.order[data-status="partial"] ha-icon { color: var(--warning-color, #ffa600); }
.line1 { display: flex; flex-wrap: wrap; gap: 0 8px; min-width: 0;
  color: var(--primary-text-color); }
.order-id { font-weight: 500; white-space: nowrap; padding: 0; border: 0;
  color: var(--primary-text-color); }
.service { overflow-wrap: anywhere; min-width: 0; }
.status { text-align: end; white-space: nowrap; color: var(--primary-text-color); }
.line2 { display: flex; flex-wrap: wrap; gap: 0 10px; font-size: 0.9em; min-width: 0;
  color: var(--secondary-text-color); }
.line2 a { color: var(--primary-color); overflow-wrap: anywhere; }
.line2 > :empty { display: none; }
.link { overflow-wrap: anywhere; min-width: 0; }
.refill { color: var(--primary-text-color); }
.refill-until.ended { color: var(--secondary-text-color); }
.age { grid-column: 3; text-align: end; font-size: 0.9em; white-space: nowrap;
  color: var(--secondary-text-color); }
.progress { grid-column: 2 / span 2; display: flex; align-items: center; gap: 8px;
  font-size: 0.85em; color: var(--secondary-text-color); }
.bar { flex: 1 1 auto; height: 6px; border-radius: 3px; overflow: hidden;
  background: var(--divider-color, #e0e0e0); }
.fill { height: 100%; width: 0; background: var(--primary-color); transition: width 0.3s; }
.actions { grid-column: 2 / span 2; display: flex; gap: 8px; }
.actions:empty { display: none; }
.actions button { padding: 2px 8px; font-size: 0.9em; }
.form { display: grid; gap: 8px; padding: 0 16px 16px; }
.form > .message, .field > .message { padding: 0; }
.field { display: grid; gap: 4px; }
.field-error { font-size: 0.9em; color: var(--error-color, #db4437); overflow-wrap: anywhere; }
[aria-invalid="true"] { border-color: var(--error-color, #db4437); }
.services { max-height: 240px; overflow: auto; border: 1px solid var(--divider-color, #e0e0e0);
  border-radius: 4px; }
.services button { display: block; width: 100%; text-align: start; border: 0;
  border-radius: 0; border-bottom: 1px solid var(--divider-color, #e0e0e0);
  color: var(--primary-text-color); }
.services button[aria-selected="true"] { background: var(--secondary-background-color, #f5f5f5); }
.services small { display: block; color: var(--secondary-text-color); }
.quote { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; font-size: 0.9em; }
.quote dt { color: var(--secondary-text-color); }
.quote dd { margin: 0; overflow-wrap: anywhere; }
.row { display: flex; flex-wrap: wrap; gap: 8px; }
dialog { border: 0; border-radius: var(--ha-card-border-radius, 12px); max-width: 90vw;
  background: var(--card-background-color, #fff); color: var(--primary-text-color); }
dialog::backdrop { background: rgba(0, 0, 0, 0.4); }
dialog .row { justify-content: flex-end; margin-top: 16px; }
[hidden] { display: none !important; }
`;

/** Return a new element with properties, attributes (`attrs`) and children. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { attrs, ...rest } = props;
  Object.assign(node, rest);
  for (const [name, value] of Object.entries(attrs || {})) {
    node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child); // strings become text nodes
    }
  }
  return node;
}

/** Return a number, or null for anything else (absent attributes included). */
function num(value) {
  if (value === null || value === undefined || value === "") return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Return [href, short text] for an http(s) link, or null. */
export function safeLink(link) {
  if (typeof link !== "string") return null;
  let url;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const path = url.pathname === "/" ? "" : url.pathname;
  let text = url.host + path;
  if (text.length > 40) text = `${text.slice(0, 39)}…`;
  return [url.href, text];
}

/** Return the order's progress: {percent, delivered, quantity}, or null. */
export function orderProgress(attributes, status) {
  const quantity = num(attributes.quantity);
  const remains = num(attributes.remains);
  let percent = num(attributes.progress);
  let delivered = null;
  if (quantity !== null && quantity > 0 && remains !== null) {
    delivered = Math.max(0, Math.min(quantity, quantity - remains));
    if (percent === null) percent = (delivered / quantity) * 100;
  }
  if (percent === null && status === "completed") percent = 100;
  if (percent === null) return null;
  return { percent: Math.max(0, Math.min(100, percent)), delivered, quantity };
}

// Formatters by locale and options: making one costs more than using it.
const formatters = new Map();

/** Return an Intl formatter of `locales` and `options`, made once. */
export function cachedFormat(Format, locales, options) {
  const key = `${Format.name}|${JSON.stringify(locales)}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Format(locales, options));
  return formatters.get(key);
}

/** Return the locales Home Assistant formats the user's numbers with. */
function numberLocales(locale) {
  // As the frontend's numberFormatToLocale reads the profile's number format.
  switch (locale && locale.number_format) {
    case "comma_decimal":
      return ["en-US", "en"];
    case "decimal_comma":
      return ["de", "es", "it"];
    case "space_comma":
      return ["fr", "sv", "cs"];
    case "system":
      return undefined;
    default:
      return locale && locale.language;
  }
}

/** Return a number in the user's number format. */
function formatNumber(value, locale, options = {}) {
  if (locale && locale.number_format === "none") return String(value);
  try {
    return cachedFormat(Intl.NumberFormat, numberLocales(locale), options).format(value);
  } catch {
    return String(value);
  }
}

/** Return a share (0 to 100) as a percentage in the user's number format. */
function formatPercent(percent, locale) {
  if (locale && locale.number_format === "none") return `${percent}%`;
  return formatNumber(percent / 100, locale, { style: "percent", maximumFractionDigits: 1 });
}

/** Return how many decimals an amount has, trailing zeros left out. */
function ownDecimals(amount) {
  const match = /^[+-]?\d*(?:\.(\d*?)0*)?(?:e([+-]?\d+))?$/i.exec(String(amount).trim());
  return match ? Math.max(0, (match[1] || "").length - Number(match[2] || 0)) : 0;
}

/**
 * Return an amount of money as Home Assistant shows money: in the user's number
 * format with the currency's symbol, two decimals at least and every decimal the
 * amount has (a rate of 0.0035 stays 0.0035). A currency Intl does not know follows
 * the number as the panel names it.
 */
export function formatMoney(amount, currency, locale) {
  const value = num(amount);
  if (value === null) return "";
  const decimals = Math.min(MAX_MONEY_DECIMALS, Math.max(MIN_MONEY_DECIMALS, ownDecimals(amount)));
  const suffix = currency ? ` ${currency}` : "";
  if (locale && locale.number_format === "none") return `${value.toFixed(decimals)}${suffix}`;
  const digits = { minimumFractionDigits: MIN_MONEY_DECIMALS, maximumFractionDigits: decimals };
  if (currency) {
    try {
      return cachedFormat(Intl.NumberFormat, numberLocales(locale), {
        style: "currency",
        currency,
        ...digits,
      }).format(value);
    } catch {
      // Not an ISO 4217 code: the number, then the currency as the panel names it.
    }
  }
  return `${formatNumber(value, locale, digits)}${suffix}`;
}

/** Return how long ago a time was, in the user's language ("2 minutes ago"). */
export function relativeAge(since, now, language) {
  const format = cachedFormat(Intl.RelativeTimeFormat, language, { numeric: "auto" });
  const minutes = Math.max(0, (now - since) / 60_000);
  if (minutes < 60) return format.format(-Math.floor(minutes), "minute");
  const hours = minutes / 60;
  if (hours < 48) return format.format(-Math.floor(hours), "hour");
  return format.format(-Math.floor(hours / 24), "day");
}

// The units a duration is told in, the largest first, with their seconds.
const DURATION_UNITS = [
  ["days", 86_400],
  ["hours", 3_600],
  ["minutes", 60],
  ["seconds", 1],
];

/**
 * Return a duration in the user's language, in its two largest units at most, the
 * smaller one rounded ("2 hr, 10 min", "3 days, 4 hr", "45 sec"), as
 * Intl.DurationFormat words it (or, where a browser lacks it, as its units do).
 */
export function formatDuration(seconds, language) {
  const total = Math.max(1, Math.round(seconds)); // an instant reads "1 sec"
  const first = DURATION_UNITS.findIndex(([, size]) => total >= size);
  const units = DURATION_UNITS.slice(first, first + 2);
  const smallest = units[units.length - 1][1];
  let left = Math.round(total / smallest) * smallest;
  const parts = {};
  for (const [unit, size] of units) {
    parts[unit] = Math.floor(left / size);
    left -= parts[unit] * size;
  }
  try {
    if (Intl.DurationFormat) {
      return cachedFormat(Intl.DurationFormat, language, { style: "short" }).format(parts);
    }
    const words = Object.entries(parts)
      .filter(([, value]) => value)
      .map(([unit, value]) =>
        cachedFormat(Intl.NumberFormat, language, {
          style: "unit",
          unit: unit.slice(0, -1),
          unitDisplay: "short",
        }).format(value),
      );
    return cachedFormat(Intl.ListFormat, language, { type: "unit", style: "short" }).format(words);
  } catch {
    return `${total} s`;
  }
}

/**
 * Return the time zone Home Assistant shows the user's times in: the browser's,
 * unless their profile asks for the server's.
 */
function timeZone(hass) {
  return hass.locale && hass.locale.time_zone === "server" && hass.config
    ? hass.config.time_zone
    : undefined;
}

/**
 * Return whether the frontend holds the card's texts and the order statuses in the
 * user's language.
 */
function hasTexts(hass) {
  return Boolean(
    hass.localize && hass.localize(`${TEXTS_PREFIX}.new_order`) && hass.localize(STATUS_TEXT),
  );
}

// The translations asked for, by language and categories: once each per page. Each
// request resolves to whether the frontend could load them.
const textRequests = new Map();

function loadTexts(hass, categories) {
  const key = `${hass.language}:${categories}`;
  if (!textRequests.has(key)) {
    const request = Promise.resolve()
      .then(() =>
        Promise.all(
          categories.map((category) => hass.loadBackendTranslation(category, DOMAIN)),
        ),
      )
      .then(
        () => true,
        () => false,
      );
    textRequests.set(key, request);
  }
  return textRequests.get(key);
}

/**
 * Whether a card can show itself in the user's language. Until the frontend holds its
 * texts (`hasTexts`) the card shows nothing and the texts are asked for, once per
 * language; then it is (re)built in that language. Texts that cannot be loaded show
 * as their keys rather than hiding the card.
 */
export class CardLanguage {
  constructor(categories, hasTexts) {
    this._categories = categories;
    this._hasTexts = hasTexts;
    this._asked = undefined; // the language whose texts were asked for
    this._failed = undefined; // the language whose texts could not be loaded
    this._built = undefined; // the language (and whether known) the card is built in
  }

  /**
   * Return "wait" while the texts load (`onLoaded` runs when they are), "new" when the
   * card is to be built in another language or with the texts it lacked, else "same".
   */
  check(hass, onLoaded) {
    const known = this._hasTexts(hass);
    if (!known) {
      if (this._asked !== hass.language) {
        this._asked = hass.language;
        loadTexts(hass, this._categories).then((loaded) => {
          if (!loaded) this._failed = hass.language;
          onLoaded();
        });
      }
      if (this._failed !== hass.language) return "wait";
    }
    const built = `${hass.language}:${known}`;
    if (this._built === built) return "same";
    this._built = built;
    return "new";
  }
}

const ORDERS_CARD_TEXTS = [TEXTS_CATEGORY, STATUSES_CATEGORY];

/** Return one of the card's texts in the user's language, or its key while unknown. */
function localize(hass, key, values) {
  return (hass && hass.localize && hass.localize(`${TEXTS_PREFIX}.${key}`, values)) || key;
}

/**
 * Return why an action failed, in the user's language: Home Assistant sends an
 * error's translation key and placeholders, and its text is loaded as the frontend
 * loads it for its own error messages. `placeholders` words the placeholders.
 */
async function errorText(hass, error, placeholders = (values) => values) {
  const domain = error && error.translation_domain;
  if (domain && error.translation_key && hass.loadBackendTranslation) {
    try {
      const translate = await hass.loadBackendTranslation("exceptions", domain);
      const text = translate(
        `component.${domain}.exceptions.${error.translation_key}.message`,
        placeholders(error.translation_placeholders || {}),
      );
      if (text) return text;
    } catch {
      // The error's own message follows.
    }
  }
  if (error && typeof error.message === "string" && error.message) return error.message;
  if (error && typeof error.code === "string") return error.code;
  return String(error);
}

/** Call an action of the integration with a response. */
async function callAction(hass, service, data) {
  const result = await hass.callWS({
    type: "call_service",
    domain: DOMAIN,
    service,
    service_data: data,
    return_response: true,
  });
  return result ? result.response : undefined;
}

/**
 * Return the order form field an action's error concerns ("link", "quantity",
 * "comments" or "service"), or null when it concerns the whole order.
 */
function errorField(error) {
  const key = error && error.translation_key;
  if (!key || (error.translation_domain && error.translation_domain !== DOMAIN)) return null;
  if (FIELDS_IN_PLACEHOLDERS.has(key)) {
    const placeholders = error.translation_placeholders || {};
    const named = String(placeholders.fields ?? placeholders.field ?? "").split(/,\s*/);
    return FORM_FIELDS.find((field) => named.includes(field)) || null;
  }
  return FIELD_OF_ERROR[key] || null;
}

/** Return whether an order sensor shows a refill still running. */
function refillRunning(attributes) {
  const status = attributes.refill_status;
  return typeof status === "string" && !FINISHED_REFILLS.has(status);
}

/** Return whether a sensor of the integration is an order's status sensor. */
function isOrderSensor(entity, stateObj) {
  const key = entity.translation_key;
  if (typeof key === "string") return key.startsWith(ORDER_TRANSLATION_KEY);
  return Boolean(stateObj && stateObj.attributes && "order_id" in stateObj.attributes);
}

/** Return whether the logged-in user may place, refill, cancel and track orders. */
function isAdmin(hass) {
  return Boolean(hass.user && hass.user.is_admin);
}

/** Return the entry id of the first SMM Panel account the frontend knows of. */
function firstEntryId(hass) {
  if (!hass || !hass.entities || !hass.devices) return undefined;
  for (const entity of Object.values(hass.entities)) {
    if (entity.platform !== DOMAIN || !entity.device_id) continue;
    const device = hass.devices[entity.device_id];
    if (device && device.config_entries && device.config_entries.length) {
      return device.config_entries[0];
    }
  }
  return undefined;
}

class SmmPanelOrdersCard extends HTMLElement {
  constructor() {
    super();
    this._config = undefined;
    this._hass = undefined;
    this._rows = new Map(); // entity id -> row
    this._index = undefined; // the account's entities, from the registries
    this._indexSources = [];
    this._header = {};
    this._found = undefined; // {services, currency}: the services the search found
    this._searches = 0; // searches sent: only the answer to the last one is shown
    this._searchTimer = undefined;
    this._finishedOpen = false;
    this._selected = undefined; // the service chosen in the order form
    this._ageTimer = undefined;
    this._built = false;
    this._language = new CardLanguage(ORDERS_CARD_TEXTS, hasTexts);
    this._isAdmin = undefined; // whether the order controls are shown
    this._quoted = undefined; // {order, answer}: the order checked, and the answer
  }

  static getConfigElement() {
    return document.createElement(EDITOR_TYPE);
  }

  static getStubConfig(hass) {
    const entryId = firstEntryId(hass);
    return entryId ? { config_entry_id: entryId } : {};
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.config_entry_id !== undefined && typeof config.config_entry_id !== "string") {
      throw new Error("config_entry_id must be the id of an SMM Panel entry");
    }
    const changed = !this._config || this._config.config_entry_id !== config.config_entry_id;
    this._config = config;
    if (changed) this._reset();
  }

  set hass(hass) {
    this._hass = hass;
    this._update();
  }

  get hass() {
    return this._hass;
  }

  getCardSize() {
    return 3 + Math.min(this._rows.size, 10);
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto" };
  }

  connectedCallback() {
    this._ageTimer = setInterval(() => this._refreshAges(), AGE_REFRESH_MS);
    this._update();
  }

  disconnectedCallback() {
    clearInterval(this._ageTimer);
    clearTimeout(this._searchTimer);
  }

  get _entryId() {
    return (this._config && this._config.config_entry_id) || firstEntryId(this._hass);
  }

  /** Return one of the card's texts in the user's language. */
  _t(key, values) {
    return localize(this._hass, key, values);
  }

  get _locale() {
    return this._hass && this._hass.locale;
  }

  _money(amount, currency) {
    return formatMoney(amount, currency, this._locale);
  }

  _number(value) {
    return formatNumber(value, this._locale, { maximumFractionDigits: 4 });
  }

  // Order and refill ids as a list in the user's language: "23501 and 23502".
  _list(items) {
    try {
      return cachedFormat(Intl.ListFormat, this._hass.language, { type: "conjunction" }).format(
        items,
      );
    } catch {
      return items.join(", ");
    }
  }

  // An error's placeholders as the user reads numbers and money.
  _placeholders(values) {
    const worded = { ...values };
    for (const name of NUMBER_PLACEHOLDERS) {
      if (/^\d+$/.test(worded[name] ?? "")) worded[name] = this._number(Number(worded[name]));
    }
    for (const name of MONEY_PLACEHOLDERS) {
      if (num(worded[name]) !== null) worded[name] = this._money(worded[name], null);
    }
    return worded;
  }

  _errorText(error) {
    return errorText(this._hass, error, (values) => this._placeholders(values));
  }

  _reset() {
    this._rows.clear();
    this._index = undefined;
    this._indexSources = [];
    this._header = {};
    this._found = undefined;
    this._selected = undefined;
    this._groupsRendered = false;
    if (this._built) {
      this._groups.active.replaceChildren();
      this._groups.finished.replaceChildren();
    }
  }

  // The card's fixed structure, made once.
  _build() {
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    const $ = (this._els = {});
    $.title = el("div", { className: "title" });
    $.balance = el("div", { className: "balance" });
    $.money = el("div", { className: "money" });
    $.moneyItems = {};
    const moneyLabels = {
      spent_today: this._t("spent_today"),
      spent_this_month: this._t("spent_this_month"),
      balance_runway: this._t("runway"),
    };
    for (const key of MONEY_SENSORS) {
      const value = el("span", { className: "value" });
      const item = el(
        "span",
        { className: "money-item", hidden: true, attrs: { "data-sensor": key } },
        `${moneyLabels[key]} `,
        value,
      );
      $.moneyItems[key] = { item, value };
      $.money.append(item);
    }
    $.lowIcon = el("ha-icon", { icon: "mdi:cash-check" });
    $.lowText = el("span");
    $.low = el("div", { className: "low" }, $.lowIcon, $.lowText);
    $.newOrder = el("button", { type: "button", textContent: this._t("new_order") });
    $.trackInput = el("input", {
      type: "text",
      inputMode: "numeric",
      placeholder: this._t("track_placeholder"),
      attrs: { "aria-label": this._t("track_label") },
    });
    $.track = el("button", { type: "button", textContent: this._t("track") });
    // The order ID and its Track button wrap to a line of their own together.
    $.toolbar = el(
      "div",
      { className: "toolbar" },
      $.newOrder,
      el("div", { className: "track" }, $.trackInput, $.track),
    );
    $.adminOnly = el("div", {
      className: "message admin-only",
      hidden: true,
      textContent: this._t("admin_only"),
    });
    $.message = el("div", { className: "message", hidden: true, attrs: { role: "status" } });
    $.form = this._buildForm();
    $.empty = el("div", { className: "empty", textContent: this._t("no_orders") });
    $.activeTitle = el("div", { className: "group-title" });
    $.finishedTitleText = el("span");
    $.finishedChevron = el("ha-icon", { icon: "mdi:chevron-right" });
    $.finishedTitle = el(
      "button",
      { type: "button", className: "group-title", attrs: { "aria-expanded": "false" } },
      $.finishedChevron,
      $.finishedTitleText,
    );
    this._groups = {
      active: el("div", { className: "orders active" }),
      finished: el("div", { className: "orders finished", hidden: true }),
    };
    $.dialogText = el("p");
    $.dialogCancel = el("button", { type: "button", textContent: this._t("back"), value: "no" });
    $.dialogOk = el("button", { type: "button", className: "primary" });
    $.dialog = el(
      "dialog",
      {},
      $.dialogText,
      el("div", { className: "row" }, $.dialogCancel, $.dialogOk),
    );

    const card = el(
      "ha-card",
      {},
      el("div", { className: "header" }, $.title, $.balance),
      $.money,
      $.low,
      $.toolbar,
      $.adminOnly,
      $.message,
      $.form,
      $.activeTitle,
      this._groups.active,
      $.empty,
      $.finishedTitle,
      this._groups.finished,
      $.dialog,
    );
    root.replaceChildren(el("style", { textContent: STYLE }), card);

    $.newOrder.addEventListener("click", () => this._toggleForm());
    $.track.addEventListener("click", () => this._track());
    $.trackInput.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") this._track();
    });
    $.finishedTitle.addEventListener("click", () => {
      this._finishedOpen = !this._finishedOpen;
      this._renderGroups();
    });
    this._groups.active.addEventListener("click", (ev) => this._onRowClick(ev));
    this._groups.finished.addEventListener("click", (ev) => this._onRowClick(ev));
    this._built = true;
  }

  _buildForm() {
    const $ = this._els;
    $.search = el("input", {
      type: "search",
      placeholder: this._t("search"),
      attrs: { "aria-label": this._t("search") },
    });
    $.services = el("div", { className: "services", attrs: { role: "listbox" } });
    $.selected = el("div", { className: "message" });
    $.link = el("input", {
      type: "url",
      placeholder: this._t("link"),
      attrs: { "aria-label": this._t("link") },
    });
    $.quantity = el("input", {
      type: "number",
      min: "1",
      placeholder: this._t("quantity"),
      attrs: { "aria-label": this._t("quantity") },
    });
    $.comments = el("textarea", {
      rows: 3,
      placeholder: this._t("comments"),
      attrs: { "aria-label": this._t("comments_label") },
    });
    // Each field with the error that concerns it, shown under it (and under what
    // comes with the field).
    $.fields = {};
    const field = (name, control, ...after) => {
      const error = el("div", {
        className: "field-error",
        id: `${name}-error`,
        hidden: true,
        attrs: { role: "alert" },
      });
      control.setAttribute("aria-describedby", error.id);
      const wrapper = el("div", { className: "field" }, control, ...after, error);
      $.fields[name] = { control, error, wrapper };
      return wrapper;
    };
    $.searchNote = el("div", { className: "message", hidden: true });
    $.check = el("button", { type: "button", textContent: this._t("check_order") });
    $.place = el("button", {
      type: "button",
      className: "primary",
      textContent: this._t("place_order"),
      disabled: true,
    });
    $.quote = el("dl", { className: "quote", hidden: true });
    $.formError = el("div", { className: "field-error", hidden: true, attrs: { role: "alert" } });
    const form = el(
      "div",
      { className: "form", hidden: true },
      field("service", $.search, $.services, $.searchNote),
      $.selected,
      field("link", $.link),
      field("quantity", $.quantity),
      field("comments", $.comments),
      $.quote,
      $.formError,
      el("div", { className: "row" }, $.check, $.place),
    );
    $.fields.comments.wrapper.hidden = true;
    $.search.addEventListener("input", () => {
      this._showFieldError("service", "");
      this._searchSoon();
    });
    $.services.addEventListener("click", (ev) => {
      const button = ev.target.closest("button[data-service]");
      if (button) this._selectService(Number(button.dataset.service));
    });
    for (const name of FORM_FIELDS) {
      $.fields[name].control.addEventListener("input", () => {
        this._showFieldError(name, "");
        this._invalidateQuote();
      });
    }
    $.check.addEventListener("click", () => this._checkOrder());
    $.place.addEventListener("click", () => this._placeOrder());
    return form;
  }

  // Which entities of the registries belong to the account; redone only when
  // Home Assistant replaces its registry objects.
  _account() {
    const hass = this._hass;
    const sources = [hass.entities, hass.devices, this._entryId];
    if (this._index && sources.every((source, i) => source === this._indexSources[i])) {
      return this._index;
    }
    const entryId = this._entryId;
    const index = {
      device: undefined, // the account's, which its balance and orders belong to
      balance: undefined,
      low: undefined,
      money: {}, // translation key -> entity id
      orders: [],
    };
    const moneyKeys = new Set(MONEY_SENSORS);
    for (const entity of Object.values(hass.entities || {})) {
      if (entity.platform !== DOMAIN || !entity.device_id) continue;
      const device = (hass.devices || {})[entity.device_id];
      if (!device || !(device.config_entries || []).includes(entryId)) continue;
      // The entry's catalogue watches have devices of their own: the card shows
      // none of their entities, and names none of their devices.
      const domain = entity.entity_id.split(".", 1)[0];
      if (domain === "sensor" && isOrderSensor(entity, hass.states[entity.entity_id])) {
        index.orders.push(entity.entity_id);
      } else if (domain === "sensor" && entity.translation_key === "balance") {
        index.balance = entity.entity_id;
      } else if (domain === "sensor" && moneyKeys.has(entity.translation_key)) {
        index.money[entity.translation_key] = entity.entity_id;
      } else if (domain === "binary_sensor" && entity.translation_key === "low_balance") {
        index.low = entity.entity_id;
      } else {
        continue;
      }
      index.device = device;
    }
    this._index = index;
    this._indexSources = sources;
    return index;
  }

  _update() {
    if (!this._hass || !this._config || !this.isConnected) return;
    const hass = this._hass;
    const language = this._language.check(hass, () => this._update());
    if (language === "wait") return;
    if (language === "new") {
      this._reset();
      this._built = false;
      this._isAdmin = undefined;
    }
    if (!this._built) this._build();
    const account = this._account();
    this._renderHeader(account);
    this._renderAccess();

    let membershipChanged = false;
    const seen = new Set();
    for (const entityId of account.orders) {
      const stateObj = hass.states[entityId];
      if (!stateObj) continue;
      seen.add(entityId);
      let row = this._rows.get(entityId);
      if (!row) {
        row = this._createRow(entityId, hass.entities[entityId].translation_key);
        this._rows.set(entityId, row);
        membershipChanged = true;
      }
      if (row.stateObj !== stateObj) {
        const finished = FINISHED.has(stateObj.state);
        if (finished !== row.finished) membershipChanged = true;
        this._updateRow(row, stateObj);
      }
    }
    for (const [entityId, row] of this._rows) {
      if (!seen.has(entityId)) {
        row.el.remove();
        this._rows.delete(entityId);
        membershipChanged = true;
      }
    }
    if (membershipChanged || !this._groupsRendered) this._renderGroups();
  }

  _renderHeader(account) {
    const hass = this._hass;
    const $ = this._els;
    const device = account.device;
    const name = (device && (device.name_by_user || device.name)) || "SMM Panel";
    const balance = account.balance && hass.states[account.balance];
    const low = account.low && hass.states[account.low];
    const header = this._header;
    if (header.name !== name) {
      $.title.textContent = name;
      header.name = name;
    }
    if (header.balance !== balance) {
      $.balance.textContent = balance ? this._formatAmount(balance) : "";
      header.balance = balance;
    }
    this._renderMoney(account);
    if (header.low !== low) {
      header.low = low;
      $.low.hidden = !low;
      if (low) {
        $.lowText.textContent = this._lowBalanceText(low);
        const on = low.state === "on";
        $.low.classList.toggle("on", on);
        $.lowIcon.icon = on ? "mdi:cash-remove" : "mdi:cash-check";
      }
    }
  }

  _lowBalanceText(low) {
    if (low.state !== "on" && low.state !== "off") return this._formatState(low);
    const threshold = this._money(low.attributes.threshold, low.attributes.currency);
    if (!threshold) return low.state === "on" ? this._t("low_balance") : this._t("balance_ok");
    return low.state === "on"
      ? this._t("low_balance_threshold", { threshold })
      : this._t("balance_ok_threshold", { threshold });
  }

  // Spent today and this month as money, the runway as its sensor formats it.
  _renderMoney(account) {
    const hass = this._hass;
    const header = this._header;
    header.money = header.money || {};
    let shown = false;
    for (const key of MONEY_SENSORS) {
      const entityId = account.money[key];
      const stateObj = entityId ? hass.states[entityId] : undefined;
      shown = shown || Boolean(stateObj);
      if (key in header.money && header.money[key] === stateObj) continue;
      header.money[key] = stateObj;
      const { item, value } = this._els.moneyItems[key];
      item.hidden = !stateObj;
      value.textContent = stateObj ? this._formatAmount(stateObj) : "";
    }
    // Written only when it changes: each write is a DOM mutation.
    if (this._els.money.hidden === shown) this._els.money.hidden = !shown;
  }

  _createRow(entityId, translationKey) {
    const row = {
      entityId,
      translationKey,
      stateObj: undefined,
      finished: false,
      orderId: 0,
      refillUntilTime: null, // when its refill guarantee ends, if it has one
      refillEnded: false,
    };
    row.icon = el("ha-icon");
    // The order's id opens its details, as a click anywhere on the row but its
    // controls and link does.
    row.id = el("button", { type: "button", className: "order-id" });
    row.service = el("span", { className: "service" });
    row.status = el("div", { className: "status" });
    row.link = el("span", { className: "link" });
    row.charge = el("span", { className: "charge" });
    row.refill = el("span", { className: "refill" });
    row.refillUntil = el("span", { className: "refill-until" });
    row.age = el("div", { className: "age" });
    row.fill = el("div", { className: "fill" });
    row.bar = el(
      "div",
      {
        className: "bar",
        attrs: { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" },
      },
      row.fill,
    );
    row.counts = el("span", { className: "counts" });
    row.progress = el("div", { className: "progress" }, row.bar, row.counts);
    row.actions = el("div", { className: "actions" });
    row.el = el(
      "div",
      { className: "order", attrs: { "data-entity-id": entityId } },
      row.icon,
      el("div", { className: "line1" }, row.id, row.service),
      row.status,
      el("div", { className: "line2" }, row.link, row.charge, row.refill, row.refillUntil),
      row.age,
      row.progress,
      row.actions,
    );
    return row;
  }

  _updateRow(row, stateObj) {
    const attributes = stateObj.attributes || {};
    const status = stateObj.state;
    row.stateObj = stateObj;
    row.finished = FINISHED.has(status);
    row.orderId = num(attributes.order_id) || 0;
    row.el.dataset.status = status;
    row.icon.icon = STATUS_ICONS[status] || UNKNOWN_STATUS_ICON;
    row.id.textContent = row.orderId ? `#${row.orderId}` : stateObj.entity_id;
    row.id.setAttribute("aria-label", this._t("order_details", { order: row.id.textContent }));
    row.service.textContent = typeof attributes.service === "string" ? attributes.service : "";

    const link = attributes.link;
    const safe = safeLink(link);
    if (safe) {
      const anchor = el("a", {
        href: safe[0],
        target: "_blank",
        rel: "noopener noreferrer",
        textContent: safe[1],
        title: safe[0],
      });
      row.link.replaceChildren(anchor);
    } else {
      row.link.textContent = typeof link === "string" ? link : "";
    }

    row.charge.textContent = this._money(attributes.charge, attributes.currency);

    const progress = orderProgress(attributes, status);
    row.progress.hidden = !progress;
    if (progress) {
      const percent = Math.round(progress.percent * 10) / 10;
      row.fill.style.width = `${percent}%`;
      row.bar.setAttribute("aria-valuenow", String(percent));
      row.counts.textContent =
        progress.delivered !== null
          ? `${this._number(progress.delivered)} / ${this._number(progress.quantity)}`
          : formatPercent(percent, this._locale);
    }
    // Placed from Home Assistant, or tracked: since when the integration follows it.
    const placed = typeof attributes.placed_at === "string";
    const since = Date.parse(placed ? attributes.placed_at : attributes.tracked_at);
    row.since = Number.isNaN(since) ? null : { time: since, placed };
    row.age.title = row.since ? this._dateTime(row.since.time) : "";
    // Until when its service's guarantee lets it be refilled, where the name says.
    const refillUntil = Date.parse(attributes.refill_until);
    row.refillUntilTime = Number.isNaN(refillUntil) ? null : refillUntil;
    const now = Date.now();
    this._renderAge(row, now);
    this._renderStatus(row);
    this._renderRefillUntil(row, now);
    this._renderActions(row);
  }

  // "Refill until 12 Jan" on an order its guarantee covers; once the guarantee has
  // ended, when it did.
  _renderRefillUntil(row, now) {
    const until = row.refillUntilTime;
    row.refillEnded = until !== null && now >= until;
    row.refillUntil.classList.toggle("ended", row.refillEnded);
    if (until === null) {
      row.refillUntil.textContent = "";
      return;
    }
    const date = this._date(until, now);
    row.refillUntil.title = this._dateTime(until);
    row.refillUntil.textContent = row.refillEnded
      ? this._t("refill_ended", { date })
      : this._t("refill_until", { date });
  }

  // The order's status and its refill's, in the order sensors' own translations.
  // The frontend's formatters would word a new order's status only a moment after
  // its row shows: they are remade once the entity registry has it.
  _renderStatus(row) {
    const stateObj = row.stateObj;
    const texts = `component.${DOMAIN}.entity.sensor.${row.translationKey}`;
    const status =
      this._hass.localize(`${texts}.state.${stateObj.state}`) || this._formatState(stateObj);
    row.status.textContent = status;
    const { refill_id: refillId, refill_status: refillStatus } = stateObj.attributes;
    row.refill.textContent =
      refillId === undefined || refillId === null
        ? ""
        : this._t("refill_state", {
            refill: String(refillId),
            status:
              this._hass.localize(`${texts}.state_attributes.refill_status.state.${refillStatus}`) ||
              String(refillStatus ?? ""),
          });
  }

  _dateTime(time) {
    try {
      return cachedFormat(Intl.DateTimeFormat, this._hass.language, {
        dateStyle: "medium",
        timeStyle: "short",
        timeZone: timeZone(this._hass),
      }).format(time);
    } catch {
      return new Date(time).toISOString();
    }
  }

  // A day as the user's language writes it short ("Jan 12", "12. Jan."), with its
  // year when it is half a year or more away.
  _date(time, now) {
    try {
      return cachedFormat(Intl.DateTimeFormat, this._hass.language, {
        day: "numeric",
        month: "short",
        ...(Math.abs(time - now) < DATE_WITHOUT_YEAR_MS ? {} : { year: "numeric" }),
        timeZone: timeZone(this._hass),
      }).format(time);
    } catch {
      return new Date(time).toISOString().slice(0, 10);
    }
  }

  _renderAge(row, now) {
    if (!row.since) {
      row.age.textContent = "";
      return;
    }
    const { time, placed } = row.since;
    if (now - time < 60_000) {
      row.age.textContent = placed ? this._t("placed_just_now") : this._t("tracked_just_now");
      return;
    }
    const age = relativeAge(time, now, this._hass.language);
    row.age.textContent = placed
      ? this._t("placed_ago", { age })
      : this._t("tracked_ago", { age });
  }

  // Every minute: the ages, and the guarantees that ended meanwhile.
  _refreshAges() {
    const now = Date.now();
    for (const row of this._rows.values()) {
      if (!row.stateObj) continue;
      this._renderAge(row, now);
      if (row.refillUntilTime !== null && row.refillEnded !== now >= row.refillUntilTime) {
        this._renderRefillUntil(row, now);
        this._renderActions(row);
      }
    }
  }

  // The order controls for an administrator; for any other user, the reason there
  // are none.
  _renderAccess() {
    const admin = isAdmin(this._hass);
    if (admin === this._isAdmin) return;
    this._isAdmin = admin;
    const $ = this._els;
    $.toolbar.hidden = !admin;
    $.adminOnly.hidden = admin;
    if (!admin) $.form.hidden = true;
    for (const row of this._rows.values()) {
      if (row.stateObj) this._renderActions(row);
    }
  }

  // Refill and cancel, for an administrator, only where the order's sensor says its
  // service allows them; no second refill while one runs, and none once the refill
  // guarantee has ended (without one, the panel decides).
  _renderActions(row) {
    const buttons = [];
    const attributes = row.stateObj.attributes;
    const status = row.stateObj.state;
    if (
      this._isAdmin &&
      attributes.refill_offered === true &&
      REFILLABLE.has(status) &&
      !refillRunning(attributes) &&
      !row.refillEnded
    ) {
      buttons.push(
        el("button", {
          type: "button",
          textContent: this._t("refill"),
          attrs: { "data-action": "refill" },
        }),
      );
    }
    if (this._isAdmin && attributes.cancel_allowed === true && IN_FLIGHT.has(status)) {
      buttons.push(
        el("button", {
          type: "button",
          textContent: this._t("cancel_order"),
          attrs: { "data-action": "cancel" },
        }),
      );
    }
    row.actions.replaceChildren(...buttons);
  }

  _renderGroups() {
    const $ = this._els;
    const rows = [...this._rows.values()].sort((a, b) => b.orderId - a.orderId);
    const active = rows.filter((row) => !row.finished);
    const finished = rows.filter((row) => row.finished);
    this._groups.active.replaceChildren(...active.map((row) => row.el));
    this._groups.finished.replaceChildren(...finished.map((row) => row.el));
    $.activeTitle.textContent = this._t("in_progress", { count: this._number(active.length) });
    $.activeTitle.hidden = !active.length;
    $.empty.hidden = rows.length > 0;
    $.finishedTitle.hidden = !finished.length;
    $.finishedTitleText.textContent = this._t("finished", {
      count: this._number(finished.length),
    });
    $.finishedTitle.setAttribute("aria-expanded", String(this._finishedOpen));
    $.finishedChevron.icon = this._finishedOpen ? "mdi:chevron-down" : "mdi:chevron-right";
    this._groups.finished.hidden = !this._finishedOpen;
    this._groupsRendered = true;
  }

  _formatState(stateObj) {
    const hass = this._hass;
    if (hass && typeof hass.formatEntityState === "function") {
      try {
        return hass.formatEntityState(stateObj);
      } catch {
        // fall through to the raw state
      }
    }
    return stateObj.state;
  }

  // A monetary sensor's state as money; any other state as Home Assistant shows it.
  _formatAmount(stateObj) {
    const { device_class: deviceClass, unit_of_measurement: unit } = stateObj.attributes;
    if (deviceClass === "monetary" && num(stateObj.state) !== null) {
      return this._money(stateObj.state, unit);
    }
    return this._formatState(stateObj);
  }

  async _showError(error) {
    this._showMessages([{ text: await this._errorText(error), error: true }]);
  }

  _showMessage(text, isError = false) {
    this._showMessages(text ? [{ text, error: isError }] : []);
  }

  // Lines under the toolbar: what an action did, and what it could not do.
  _showMessages(lines) {
    const $ = this._els;
    $.message.replaceChildren(
      ...lines.map(({ text, error }) => el("div", { className: error ? "error" : "", textContent: text })),
    );
    $.message.hidden = !lines.length;
  }

  /** Ask the user; resolve to whether they confirmed. */
  _confirm(text, confirmLabel) {
    const $ = this._els;
    $.dialogText.textContent = text;
    $.dialogOk.textContent = confirmLabel;
    return new Promise((resolve) => {
      const done = (answer) => {
        $.dialogOk.removeEventListener("click", ok);
        $.dialogCancel.removeEventListener("click", no);
        $.dialog.removeEventListener("cancel", no);
        if ($.dialog.open) $.dialog.close();
        resolve(answer);
      };
      const ok = () => done(true);
      const no = () => done(false);
      $.dialogOk.addEventListener("click", ok);
      $.dialogCancel.addEventListener("click", no);
      $.dialog.addEventListener("cancel", no);
      $.dialog.showModal();
    });
  }

  // A click on a row: its Refill or Cancel button, its link, or else its details.
  _onRowClick(ev) {
    const rowEl = ev.target.closest(".order");
    const row = rowEl && this._rows.get(rowEl.dataset.entityId);
    if (!row) return;
    const button = ev.target.closest("button[data-action]");
    if (button) {
      this._rowAction(row, button);
    } else if (!ev.target.closest("a")) {
      this.dispatchEvent(
        new CustomEvent("hass-more-info", {
          detail: { entityId: row.entityId },
          bubbles: true,
          composed: true,
        }),
      );
    }
  }

  async _rowAction(row, button) {
    if (!row.orderId) return;
    const action = button.dataset.action;
    const order = row.orderId;
    const service = row.service.textContent;
    const confirmed =
      action === "refill"
        ? await this._confirm(this._t("confirm_refill", { order, service }), this._t("refill"))
        : await this._confirm(
            this._t("confirm_cancel", { order, service }),
            this._t("cancel_order"),
          );
    if (!confirmed) return;
    button.disabled = true;
    try {
      const response = await callAction(this._hass, action, {
        config_entry_id: this._entryId,
        orders: [String(order)],
      });
      const rows = (response && (response.refills || response.orders)) || [];
      const result = rows.find((item) => Number(item.order) === order) || {};
      if (result.error) {
        this._showMessage(this._t("order_error", { order, error: result.error }), true);
      } else if (action === "refill") {
        this._showMessage(
          this._t("refill_requested", { refill: String(result.refill ?? ""), order }),
        );
      } else {
        this._showMessage(this._t("cancel_requested", { order }));
      }
    } catch (error) {
      await this._showError(error);
    } finally {
      button.disabled = false;
    }
  }

  // Track the orders typed; those the panel does not know stay in the field.
  async _track() {
    const $ = this._els;
    const orders = $.trackInput.value.trim();
    if (!orders) return;
    $.track.disabled = true;
    try {
      const response = await callAction(this._hass, "track_order", {
        config_entry_id: this._entryId,
        orders,
      });
      const rows = (response && response.orders) || [];
      const tracked = rows.filter((item) => !item.error).map((item) => String(item.order));
      const failed = rows.filter((item) => item.error);
      const lines = failed.map((item) => ({
        text: this._t("not_tracked", { order: String(item.order), error: item.error }),
        error: true,
      }));
      if (tracked.length) {
        lines.unshift({ text: this._t("tracking", { orders: this._list(tracked) }) });
      }
      this._showMessages(lines);
      $.trackInput.value = failed.map((item) => String(item.order)).join(", ");
    } catch (error) {
      await this._showError(error);
    } finally {
      $.track.disabled = false;
    }
  }

  _toggleForm() {
    const $ = this._els;
    $.form.hidden = !$.form.hidden;
    if (!$.form.hidden && !this._found) this._search();
  }

  _searchSoon() {
    clearTimeout(this._searchTimer);
    this._searchTimer = setTimeout(() => this._search(), SEARCH_DELAY_MS);
  }

  // Ask the server for the services matching the search: the first SERVICES_SHOWN.
  async _search() {
    const $ = this._els;
    clearTimeout(this._searchTimer);
    const search = $.search.value.trim();
    const request = ++this._searches;
    if (!this._found) {
      $.services.replaceChildren(
        el("div", { className: "message", textContent: this._t("loading_services") }),
      );
    }
    try {
      const response = await callAction(this._hass, "get_services", {
        config_entry_id: this._entryId,
        ...(search ? { search } : {}),
        limit: SERVICES_SHOWN,
      });
      if (request !== this._searches) return;
      this._found = {
        services: new Map(
          ((response && response.services) || []).map((service) => [
            Number(service.service),
            service,
          ]),
        ),
        currency: response ? response.currency : null,
      };
      this._renderServices();
    } catch (error) {
      if (request !== this._searches) return;
      const text = await this._errorText(error);
      this._found = undefined;
      $.searchNote.hidden = true;
      $.services.replaceChildren(el("div", { className: "message error", textContent: text }));
    }
  }

  _renderServices() {
    const $ = this._els;
    const { services, currency } = this._found;
    const buttons = [...services.values()].map((service) => {
      const button = el(
        "button",
        {
          type: "button",
          attrs: {
            role: "option",
            "aria-selected": String(
              Boolean(this._selected) && service.service === this._selected.service,
            ),
          },
        },
        el("small", { textContent: String(service.category ?? "") }),
        `${service.service} · ${service.name}`,
        el("small", {
          textContent: `${this._rate(service.rate, currency)} · ${this._quantities(service)}`,
        }),
        this._figures(service.stats),
      );
      button.dataset.service = String(service.service);
      return button;
    });
    if (!buttons.length) {
      buttons.push(el("div", { className: "message", textContent: this._t("no_service_matches") }));
    }
    $.services.replaceChildren(...buttons);
    $.searchNote.textContent = this._t("more_matches", { count: this._number(SERVICES_SHOWN) });
    $.searchNote.hidden = services.size < SERVICES_SHOWN;
  }

  _selectService(serviceId) {
    const $ = this._els;
    const service = this._found && this._found.services.get(serviceId);
    if (!service) return;
    this._selected = service;
    $.selected.textContent = this._t("selected", { service: `${service.service} · ${service.name}` });
    $.fields.comments.wrapper.hidden = !COMMENT_TYPES.has(service.type);
    // The service's limits before anything is typed: "Quantity 100–20,000".
    const min = num(service.min);
    const max = num(service.max);
    $.quantity.min = String(min ?? 1);
    $.quantity.max = max === null ? "" : String(max);
    $.quantity.placeholder =
      min === null || max === null ? this._t("quantity") : this._quantities(service);
    this._clearFormErrors();
    this._invalidateQuote();
    this._renderServices();
  }

  // An error under a field of the order form; no text clears it.
  _showFieldError(name, text) {
    const { control, error } = this._els.fields[name];
    error.textContent = text;
    error.hidden = !text;
    if (text) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }

  _clearFormErrors() {
    for (const name of Object.keys(this._els.fields)) this._showFieldError(name, "");
    this._els.formError.hidden = true;
  }

  // An action's error at the field it concerns, or else under the order.
  async _showFormError(error) {
    const $ = this._els;
    const text = await this._errorText(error);
    const name = errorField(error);
    const field = name && $.fields[name];
    if (field && !field.wrapper.hidden) {
      this._showFieldError(name, text);
      field.control.focus();
      return;
    }
    $.formError.textContent = text;
    $.formError.hidden = false;
  }

  _invalidateQuote() {
    const $ = this._els;
    this._quoted = undefined;
    $.place.disabled = true;
    $.quote.hidden = true;
    $.formError.hidden = true;
  }

  _orderData() {
    const $ = this._els;
    const data = { config_entry_id: this._entryId, service: this._selected.service };
    const link = $.link.value.trim();
    if (link) data.link = link;
    const quantity = $.quantity.value.trim();
    if (quantity) data.quantity = Number(quantity);
    if (!$.fields.comments.wrapper.hidden && $.comments.value.trim()) {
      data.comments = $.comments.value;
    }
    return data;
  }

  async _checkOrder() {
    const $ = this._els;
    this._clearFormErrors();
    if (!this._selected) {
      this._showFieldError("service", this._t("choose_service"));
      return;
    }
    const data = this._orderData();
    $.check.disabled = true;
    try {
      const answer = (await callAction(this._hass, "add_order", { ...data, validate_only: true })) || {};
      this._renderQuote(answer);
      this._quoted = { order: JSON.stringify(data), answer };
      $.place.disabled = false;
    } catch (error) {
      this._invalidateQuote();
      await this._showFormError(error);
    } finally {
      $.check.disabled = false;
    }
  }

  // What Place order's check answers: the service, its rate, the quantity, the
  // charge and the balance before and after, each where the answer gives it.
  _renderQuote(answer) {
    const $ = this._els;
    const money = (amount) => this._money(amount, answer.currency);
    const service = answer.service_name && `${answer.service} · ${answer.service_name}`;
    const rows = [
      [this._t("service"), service],
      [this._t("rate"), num(answer.rate) !== null && this._rate(answer.rate, answer.currency)],
      [this._t("quantity"), num(answer.quantity) !== null && this._number(answer.quantity)],
      [this._t("estimated_charge"), money(answer.estimated_charge)],
      [this._t("balance_now"), money(answer.balance)],
      [this._t("balance_after"), money(answer.balance_after)],
    ];
    const items = rows
      .filter(([, text]) => text)
      .flatMap(([label, text]) => [
        el("dt", { textContent: label }),
        el("dd", { textContent: text }),
      ]);
    $.quote.replaceChildren(...items);
    $.quote.hidden = !items.length;
  }

  // How a service delivered the account's orders, where it was ordered before:
  // "Usually done in 2 hr, 10 min · 96% complete · orders: 24". The count follows a
  // label: Home Assistant drops a text holding a plural of the message format.
  _figures(stats) {
    const count = num(stats && stats.orders);
    const rate = num(stats && stats.completion_rate);
    if (!count || rate === null) return null;
    const percent = formatPercent(Math.round(rate), this._locale);
    const orders = this._number(count);
    const seconds = num(stats.median_seconds_to_complete);
    const text =
      seconds === null
        ? this._t("service_figures_untimed", { rate: percent, orders })
        : this._t("service_figures", {
            duration: formatDuration(seconds, this._hass.language),
            rate: percent,
            orders,
          });
    return el("small", { className: "figures", textContent: text });
  }

  // A service's rate as panels quote it: the price of 1000.
  _rate(rate, currency) {
    return this._t("rate_per_1000", { rate: this._money(rate, currency) });
  }

  _quantities(service) {
    return this._t("quantity_range", {
      min: this._number(service.min),
      max: this._number(service.max),
    });
  }

  // What Place order asks: what, how many, for which link, at what cost.
  _placeQuestion(data, answer) {
    const service = answer.service_name || String(data.service);
    const safe = safeLink(data.link);
    const link = safe ? safe[1] : (data.link ?? "");
    const charge = this._money(answer.estimated_charge, answer.currency);
    if (num(answer.quantity) === null) {
      return this._t("confirm_place_no_quantity", { service, link, charge });
    }
    const quantity = this._number(answer.quantity);
    return this._t("confirm_place", { quantity, service, link, charge });
  }

  async _placeOrder() {
    const $ = this._els;
    const data = this._orderData();
    if (!this._quoted || this._quoted.order !== JSON.stringify(data)) {
      this._invalidateQuote();
      return;
    }
    const question = this._placeQuestion(data, this._quoted.answer);
    if (!(await this._confirm(question, this._t("place_order")))) return;
    $.place.disabled = true;
    try {
      const response = await callAction(this._hass, "add_order", data);
      this._showMessage(this._t("placed", { order: response && response.order }));
      this._invalidateQuote();
      $.form.hidden = true;
    } catch (error) {
      await this._showFormError(error);
      $.place.disabled = false;
    }
  }
}

class SmmPanelOrdersCardEditor extends HTMLElement {
  constructor() {
    super();
    this._config = {};
    this._entries = undefined;
    this._language = new CardLanguage(ORDERS_CARD_TEXTS, hasTexts);
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    // Drawn again once the texts of the user's language are there.
    if (this._language.check(hass, () => this._render()) === "new") this._render();
    if (this._entries === undefined) {
      this._entries = null; // loading
      hass
        .callWS({ type: "config_entries/get", domain: DOMAIN })
        .then((entries) => {
          this._entries = entries || [];
          this._render();
        })
        .catch(() => {
          this._entries = [];
          this._render();
        });
    }
  }

  _t(key) {
    return localize(this._hass, key);
  }

  _render() {
    const hass = this._hass;
    if (!hass || this._language.check(hass, () => this._render()) === "wait") return;
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    if (!this._entries) {
      root.replaceChildren(el("p", { textContent: this._t("editor_loading") }));
      return;
    }
    if (!this._entries.length) {
      root.replaceChildren(el("p", { textContent: this._t("editor_no_account") }));
      return;
    }
    const select = el("select", { id: "account" });
    for (const entry of this._entries) {
      select.append(el("option", { value: entry.entry_id, textContent: entry.title }));
    }
    select.value = this._config.config_entry_id || "";
    select.addEventListener("change", () => {
      this._config = { ...this._config, config_entry_id: select.value };
      this.dispatchEvent(
        new CustomEvent("config-changed", {
          detail: { config: this._config },
          bubbles: true,
          composed: true,
        }),
      );
    });
    root.replaceChildren(
      el("style", {
        textContent:
          "label{display:grid;gap:4px;color:var(--primary-text-color)}" +
          "select{font:inherit;padding:8px;border-radius:4px;" +
          "border:1px solid var(--divider-color);" +
          "background:var(--card-background-color);color:var(--primary-text-color)}",
      }),
      el("label", { htmlFor: "account" }, this._t("editor_account"), select),
    );
  }
}

if (!customElements.get(CARD_TYPE)) {
  customElements.define(CARD_TYPE, SmmPanelOrdersCard);
  customElements.define(EDITOR_TYPE, SmmPanelOrdersCardEditor);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD_TYPE,
    name: "SMM Panel orders",
    description: "The balance and tracked orders of an SMM panel account, with actions.",
    preview: true,
    documentationURL: "https://github.com/smmpanel-ha/ha-smmpanel/blob/main/docs/orders-card.md",
  });
}
