/*
 * SMM Panel spending card: what a panel account spent per day, week or month, as
 * bars, with the totals of the periods shown, from the integration's own ledger (the
 * get_spending action): there from the first poll on, with no long-term statistics
 * to wait for.
 *
 * Plain JavaScript, no build step, no library. Every element is made with
 * document.createElement and every text is set with textContent.
 */

// The orders card's module, loaded from the very URL the frontend loads it from (its
// version included), so that it is the same module: its money format, formatter cache,
// texts loading and account editor serve this card too.
const { CardLanguage, cachedFormat, formatMoney } = await import(
  `./smmpanel-orders-card.js${new URL(import.meta.url).search}`
);

const DOMAIN = "smmpanel";
const CARD_TYPE = "smmpanel-spending-card";
const ORDERS_CARD_TYPE = "smmpanel-orders-card";
const ORDERS_EDITOR_TYPE = "smmpanel-orders-card-editor";
// How many periods each view shows (get_spending gives up to 400 days, 58 weeks or
// 14 months): about a month of days, a quarter of weeks, a year of months.
const PERIOD_COUNTS = { day: 30, week: 13, month: 12 };
const PERIODS = Object.keys(PERIOD_COUNTS);
// The sensors whose states change with the ledger: when one does, the card asks again.
const LEDGER_SENSORS = new Set(["balance", "spent_today", "last_deposit"]);
const DAY_CHECK_MS = 60_000; // a new day starts a new bar, spent or not
// The card's texts live in translations/<language>.json under
// selector.spending_card.options, a category the frontend loads for the user's
// language (the orders card's texts are in the same category).
const TEXTS_CATEGORY = "selector";
const TEXTS_PREFIX = `component.${DOMAIN}.${TEXTS_CATEGORY}.spending_card.options`;

const STYLE = `
:host { display: block; }
.header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px;
  padding: 16px 16px 8px; }
.title { font-size: 1.25em; font-weight: 500; flex: 1 1 auto; min-width: 0;
  overflow-wrap: anywhere; }
.account { color: var(--secondary-text-color); overflow-wrap: anywhere; }
.switch { display: inline-flex; margin: 0 16px 8px; border: 1px solid var(--divider-color, #e0e0e0);
  border-radius: 18px; overflow: hidden; }
.switch button { font: inherit; padding: 6px 14px; border: 0; cursor: pointer;
  background: none; color: var(--primary-text-color); }
.switch button + button { border-inline-start: 1px solid var(--divider-color, #e0e0e0); }
.switch button[aria-pressed="true"] { background: var(--primary-color); color: var(--text-primary-color, #fff); }
.readout { padding: 0 16px; }
.readout .label { color: var(--secondary-text-color); }
.readout .amount { font-size: 2em; font-weight: 500; line-height: 1.2; }
.chart { position: relative; display: flex; align-items: flex-end; gap: 2px;
  height: 120px; margin: 8px 16px 0; padding-top: 16px;
  border-bottom: 1px solid var(--divider-color, #e0e0e0); }
.scale { position: absolute; top: 0; inset-inline-end: 0; font-size: 0.8em;
  color: var(--secondary-text-color); }
.bar { flex: 1 1 0; min-width: 0; height: 100%; display: flex; align-items: flex-end;
  padding: 0; border: 0; background: none; cursor: pointer; }
.fill { width: 100%; min-height: 1px; border-radius: 2px 2px 0 0;
  background: var(--primary-color); opacity: 0.45; }
.bar[aria-pressed="true"] .fill { opacity: 1; }
.bar:focus-visible { outline: 2px solid var(--primary-color); outline-offset: 1px; }
.axis { display: flex; justify-content: space-between; gap: 8px; margin: 4px 16px 0;
  font-size: 0.8em; color: var(--secondary-text-color); }
.totals { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px;
  margin: 12px 16px 16px; }
.totals .range { grid-column: 1 / -1; color: var(--secondary-text-color); }
.totals .label { font-size: 0.85em; color: var(--secondary-text-color); }
.totals .value { font-weight: 500; overflow-wrap: anywhere; }
.message { padding: 0 16px 16px; color: var(--secondary-text-color); }
[hidden] { display: none !important; }
`;

/** Return a new element of a class, with a text or children. */
function make(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children); // strings become text nodes
  return node;
}

/** Return a date of get_spending ("2026-11-30") as that local day's midnight. */
function localDate(isoDate) {
  const [year, month, day] = String(isoDate).split("-").map(Number);
  return new Date(year, month - 1, day);
}

/** Return a date in the user's language, or the browser's where that is no locale. */
function formatDate(date, language, options) {
  try {
    return cachedFormat(Intl.DateTimeFormat, language, options).format(date);
  } catch {
    return cachedFormat(Intl.DateTimeFormat, undefined, options).format(date);
  }
}

function hasTexts(hass) {
  return Boolean(hass.localize && hass.localize(`${TEXTS_PREFIX}.title`));
}

class SmmPanelSpendingCard extends HTMLElement {
  constructor() {
    super();
    this._config = undefined;
    this._hass = undefined;
    this._els = undefined;
    this._language = new CardLanguage([TEXTS_CATEGORY], hasTexts);
    this._index = undefined; // the account's device and ledger sensors
    this._indexSources = [];
    this._period = "day";
    this._selected = undefined; // the start of the period picked on the chart
    this._ledger = undefined; // what the ledger sensors and the day were when asked
    this._answers = new Map(); // period -> {ledger, response} or {ledger, failed}
    this._asking = new Map(); // period -> the ledger it is being asked for
    this._shown = undefined; // what the card was last drawn from
    this._dayTimer = undefined;
  }

  static getConfigElement() {
    return document.createElement(ORDERS_EDITOR_TYPE);
  }

  static getStubConfig(hass) {
    return customElements.get(ORDERS_CARD_TYPE).getStubConfig(hass);
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.config_entry_id !== undefined && typeof config.config_entry_id !== "string") {
      throw new Error("config_entry_id must be the id of an SMM Panel entry");
    }
    const changed = !this._config || this._config.config_entry_id !== config.config_entry_id;
    this._config = config;
    if (changed) {
      this._index = undefined;
      this._ledger = undefined;
      this._answers.clear();
    }
    this._update();
  }

  set hass(hass) {
    this._hass = hass;
    this._update();
  }

  get hass() {
    return this._hass;
  }

  getCardSize() {
    return 6;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto" };
  }

  connectedCallback() {
    this._dayTimer = setInterval(() => this._update(), DAY_CHECK_MS);
    this._update();
  }

  disconnectedCallback() {
    clearInterval(this._dayTimer);
  }

  /** Return one of the card's texts in the user's language, or its key while unknown. */
  _t(key, values) {
    const hass = this._hass;
    return (hass && hass.localize && hass.localize(`${TEXTS_PREFIX}.${key}`, values)) || key;
  }

  get _entryId() {
    return (
      (this._config && this._config.config_entry_id) ||
      SmmPanelSpendingCard.getStubConfig(this._hass).config_entry_id
    );
  }

  _build() {
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    const $ = (this._els = {});
    $.account = make("div", "account");
    $.switch = make("div", "switch");
    $.switch.setAttribute("role", "group");
    $.switch.setAttribute("aria-label", this._t("period"));
    $.periods = {};
    const names = { day: this._t("days"), week: this._t("weeks"), month: this._t("months") };
    for (const period of PERIODS) {
      const button = make("button", "", names[period]);
      button.type = "button";
      button.dataset.period = period;
      button.addEventListener("click", () => this._choosePeriod(period));
      $.periods[period] = button;
      $.switch.append(button);
    }
    $.label = make("div", "label");
    $.amount = make("div", "amount");
    $.readout = make("div", "readout", $.label, $.amount);
    $.scale = make("div", "scale");
    $.chart = make("div", "chart");
    $.chart.setAttribute("role", "group");
    $.chart.setAttribute("aria-label", this._t("chart"));
    $.chart.addEventListener("click", (ev) => {
      const bar = ev.target.closest("button[data-start]");
      if (bar) this._choose(bar.dataset.start);
    });
    $.first = make("span");
    $.last = make("span");
    $.axis = make("div", "axis", $.first, $.last);
    $.range = make("div", "range");
    $.totals = make("div", "totals", $.range);
    $.totalValues = {};
    const totals = {
      net_spend: this._t("spent"),
      refunds: this._t("refunds"),
      deposits: this._t("deposits"),
    };
    for (const [key, label] of Object.entries(totals)) {
      const value = make("div", "value");
      const item = make("div", "", make("div", "label", label), value);
      item.dataset.total = key;
      $.totalValues[key] = value;
      $.totals.append(item);
    }
    $.message = make("div", "message");
    $.content = make("div", "", $.readout, $.chart, $.axis, $.totals);
    const card = make(
      "ha-card",
      "",
      make("div", "header", make("div", "title", this._t("title")), $.account),
      $.switch,
      $.content,
      $.message,
    );
    root.replaceChildren(make("style", "", STYLE), card);
  }

  // The account's device and the sensors that change with its ledger; redone only
  // when Home Assistant replaces its registry objects.
  _account() {
    const hass = this._hass;
    const entryId = this._entryId;
    const sources = [hass.entities, hass.devices, entryId];
    if (this._index && sources.every((source, i) => source === this._indexSources[i])) {
      return this._index;
    }
    const index = { entryId, device: undefined, sensors: [] };
    for (const entity of Object.values(hass.entities || {})) {
      if (entity.platform !== DOMAIN || !LEDGER_SENSORS.has(entity.translation_key)) continue;
      const device = (hass.devices || {})[entity.device_id];
      if (!device || !(device.config_entries || []).includes(entryId)) continue;
      index.device = device;
      index.sensors.push(entity.entity_id);
    }
    this._index = index;
    this._indexSources = sources;
    return index;
  }

  _update() {
    const hass = this._hass;
    if (!hass || !this._config || !this.isConnected) return;
    const language = this._language.check(hass, () => this._update());
    if (language === "wait") return;
    if (language === "new" || !this._els) this._build();
    const account = this._account();
    const device = account.device;
    const name = device ? device.name_by_user || device.name || "" : "";
    if (this._els.account.textContent !== name) this._els.account.textContent = name;
    if (!account.entryId) {
      this._shown = undefined;
      this._showMessage(this._t("no_account"));
      return;
    }
    // What the ledger sensors show, and the day: a change of either asks again.
    const today = new Date().toDateString();
    const ledger = [today, ...account.sensors.map((id) => hass.states[id]?.state)].join("|");
    this._ledger = ledger;
    const answer = this._answers.get(this._period);
    if ((!answer || answer.ledger !== ledger) && this._asking.get(this._period) !== ledger) {
      this._ask(account.entryId, this._period, ledger);
    }
    // Drawn again only when what it shows changed: Home Assistant sets hass at every
    // state change, which leaves the bars (and the focus on one) alone.
    const shown = [this._els, answer, this._period, this._selected, hass.locale];
    if (this._shown && shown.every((part, i) => part === this._shown[i])) return;
    this._shown = shown;
    this._render(answer);
  }

  async _ask(entryId, period, ledger) {
    this._asking.set(period, ledger);
    let answer;
    try {
      const result = await this._hass.callWS({
        type: "call_service",
        domain: DOMAIN,
        service: "get_spending",
        service_data: { config_entry_id: entryId, period, count: PERIOD_COUNTS[period] },
        return_response: true,
      });
      answer = { ledger, response: result && result.response };
    } catch {
      answer = { ledger, failed: true };
    }
    if (this._asking.get(period) === ledger) this._asking.delete(period);
    // An answer for another account, or older than the one shown, is dropped.
    if (entryId !== this._account().entryId) return;
    const shown = this._answers.get(period);
    if (shown && shown.ledger === this._ledger && ledger !== this._ledger) return;
    this._answers.set(period, answer);
    this._update();
  }

  _choosePeriod(period) {
    if (period === this._period) return;
    this._period = period;
    this._selected = undefined;
    this._update();
  }

  _choose(start) {
    this._selected = start;
    this._update();
  }

  _showMessage(text) {
    const $ = this._els;
    $.message.textContent = text;
    $.message.hidden = false;
    $.content.hidden = true;
  }

  _render(answer) {
    const $ = this._els;
    for (const [period, button] of Object.entries($.periods)) {
      button.setAttribute("aria-pressed", String(period === this._period));
    }
    const response = answer && answer.response;
    const periods = response && Array.isArray(response.periods) ? response.periods : null;
    if (!periods) {
      this._showMessage(answer && answer.failed ? this._t("unavailable") : this._t("loading"));
      return;
    }
    $.message.hidden = true;
    $.content.hidden = false;
    const currency = response.currency || null;
    const money = (amount) => formatMoney(amount, currency, this._hass.locale);
    // Oldest first, left to right (right to left in a right-to-left language).
    const bars = [...periods].reverse();
    const newest = periods[0];
    const selected = periods.find((row) => row.start === this._selected) || newest;
    $.label.textContent =
      selected === newest ? this._currentName() : this._periodName(selected.start);
    $.amount.textContent = money(selected.net_spend);
    const highest = Math.max(0, ...bars.map((row) => Number(row.net_spend) || 0));
    $.scale.textContent = highest > 0 ? money(highest) : "";
    // The bars are kept while their number is, so that the one focused stays so.
    let nodes = [...$.chart.querySelectorAll(".bar")];
    if (nodes.length !== bars.length) {
      nodes = bars.map(() => {
        const bar = make("button", "bar", make("div", "fill"));
        bar.type = "button";
        return bar;
      });
      $.chart.replaceChildren($.scale, ...nodes);
    }
    bars.forEach((row, i) => {
      const bar = nodes[i];
      const share = highest > 0 ? Math.max(0, Number(row.net_spend) || 0) / highest : 0;
      bar.firstChild.style.height = `${(share * 100).toFixed(2)}%`;
      bar.dataset.start = row.start;
      bar.setAttribute("aria-pressed", String(row === selected));
      const text = `${this._periodName(row.start)}: ${money(row.net_spend)}`;
      bar.setAttribute("aria-label", text);
      bar.title = text;
    });
    $.first.textContent = this._periodName(bars[0].start);
    $.last.textContent = this._periodName(newest.start);
    $.range.textContent = this._rangeName(periods.length);
    const total = response.total || {};
    for (const [key, value] of Object.entries($.totalValues)) {
      value.textContent = money(total[key]);
    }
  }

  _currentName() {
    if (this._period === "week") return this._t("this_week");
    if (this._period === "month") return this._t("this_month");
    return this._t("today");
  }

  _rangeName(count) {
    if (this._period === "week") return this._t("last_weeks", { count });
    if (this._period === "month") return this._t("last_months", { count });
    return this._t("last_days", { count });
  }

  _periodName(start) {
    const language = (this._hass.locale && this._hass.locale.language) || this._hass.language;
    const date = localDate(start);
    if (this._period === "month") {
      return formatDate(date, language, { month: "short", year: "numeric" });
    }
    const day = formatDate(date, language, { day: "numeric", month: "short" });
    return this._period === "week" ? this._t("week_of", { date: day }) : day;
  }
}

if (!customElements.get(CARD_TYPE)) {
  customElements.define(CARD_TYPE, SmmPanelSpendingCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD_TYPE,
    name: "SMM Panel spending",
    description: "What an SMM panel account spent per day, week or month, with totals.",
    preview: true,
    documentationURL:
      "https://github.com/smmpanel-ha/ha-smmpanel/blob/main/docs/spending-card.md",
  });
}
