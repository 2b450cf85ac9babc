"""Tests for scripts/check_package.py and scripts/release.py."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any
from zipfile import ZipFile

from PIL import Image
import pytest

from custom_components.smmpanel.const import DOMAIN
from scripts.check_package import (
    ORDERS_CARD,
    SPENDING_CARD,
    Package,
    check_brand,
    check_card_texts,
    check_hacs,
    check_icons,
    check_languages,
    check_manifest,
    check_quality_scale,
    check_services,
    check_translations,
    find_problems,
    run_checks,
)

REPOSITORY = Path(__file__).parent.parent
INTEGRATION = Path("custom_components") / DOMAIN

type Edit = Callable[[Any], object]


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, this repository's scripts
        [sys.executable, str(REPOSITORY / "scripts" / script), *args],
        capture_output=True,
        check=False,
        text=True,
    )


def _edit_json(path: Path, edit: Edit) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def copy(tmp_path: Path) -> Package:
    """Return a copy of the repository's integration and hacs.json, to break."""
    shutil.copytree(
        REPOSITORY / INTEGRATION,
        tmp_path / INTEGRATION,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPOSITORY / "hacs.json", tmp_path)
    return Package(tmp_path)


def test_the_repository_passes() -> None:
    """The real package passes every check, and the check says what it checked."""
    result = _run("check_package.py")

    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("manifest.json", "hacs.json", "brand/", "services.yaml", "frontend/"):
        assert f"ok    {check}" in result.stdout
    assert "translations/en.json" in result.stdout
    assert "quality_scale.yaml" in result.stdout


def test_the_copy_passes(copy: Package) -> None:
    """The copy the other tests break passes before they break it."""
    assert {title: found for title, found in run_checks(copy).items() if found} == {}


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda m: m.pop("issue_tracker"), "required key 'issue_tracker' is missing"),
        (lambda m: m.update(homepage="https://x.example"), "unknown key 'homepage'"),
        (
            lambda m: m.update(version="first"),
            "version 'first' is not a version AwesomeVersion understands",
        ),
        (
            lambda m: m.update(documentation="http://x.example"),
            "documentation must be an https URL, not 'http://x.example'",
        ),
        (
            lambda m: m.update(name=m.pop("name")),
            "keys are not sorted (domain, name, then alphabetical)",
        ),
        (lambda m: m.update(domain="smm"), "domain 'smm' does not match the folder"),
        (lambda m: m.update(iot_class="cloud"), "iot_class 'cloud' is not one of"),
        (lambda m: m.update(codeowners=["smmpanel-ha"]), "must be a GitHub @user"),
    ],
    ids=["required", "unknown", "version", "https", "order", "domain", "iot", "owner"],
)
def test_broken_manifest_fails(copy: Package, edit: Edit, problem: str) -> None:
    """Each kind of manifest mistake is named."""
    _edit_json(copy.integration / "manifest.json", edit)

    assert any(problem in found for found in check_manifest(copy))


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda h: h.pop("name"), "required key 'name' is missing or empty"),
        (lambda h: h.update(domains=["sensor"]), "unknown key 'domains'"),
        (lambda h: h.pop("filename"), "zip_release needs a filename ending in .zip"),
        (
            lambda h: h.update(zip_release="yes"),
            "zip_release must be true or false",
        ),
        (
            lambda h: h.update(render_readme=True),
            "render_readme is obsolete: HACS 2 always renders README.md",
        ),
        (lambda h: h.update(homeassistant="soon"), "homeassistant 'soon' is not a"),
    ],
    ids=["name", "unknown", "filename", "bool", "obsolete", "version"],
)
def test_broken_hacs_json_fails(copy: Package, edit: Edit, problem: str) -> None:
    """Each kind of hacs.json mistake is named."""
    _edit_json(copy.root / "hacs.json", edit)

    assert any(problem in found for found in check_hacs(copy))


def test_unreadable_file_is_reported(copy: Package) -> None:
    """A file that is not JSON fails its check with the reason, not a traceback."""
    (copy.root / "hacs.json").write_text("{name: SMM", encoding="utf-8")

    problems = find_problems(check_hacs, copy)

    assert len(problems) == 1
    assert problems[0].startswith("hacs.json is not valid JSON")


def test_missing_and_stale_translations_fail(copy: Package) -> None:
    """A key the code uses must be translated; a key it does not use must go."""

    def edit(strings: dict[str, Any]) -> None:
        del strings["exceptions"]["cost_above_cap"]
        strings["exceptions"]["retired"] = {"message": "Gone."}
        del strings["config"]["step"]["reauth_confirm"]
        del strings["entity"]["sensor"]["balance"]
        del strings["services"]["refill"]["fields"]["orders"]

    _edit_json(copy.integration / "translations" / "en.json", edit)

    assert set(check_translations(copy)) == {
        "en.json config.step: 'reauth_confirm' is missing",
        "en.json entity.sensor: 'balance' is missing",
        "en.json exceptions: 'cost_above_cap' is missing",
        "en.json exceptions: 'retired' is not used by the integration (stale)",
    }
    assert "en.json services.refill.fields: 'orders' is missing" in set(
        check_services(copy)
    )


def test_every_language_says_what_english_says(copy: Package) -> None:
    """A language missing a key, with an extra one or other placeholders fails."""

    def edit(german: Any) -> None:
        del german["entity"]["sensor"]["balance"]
        german["entity"]["sensor"]["retired"] = {"name": "Alt"}
        exceptions = german["exceptions"]
        exceptions["insufficient_balance"]["message"] = "Kosten {kosten} {currency}"
        exceptions["account_required"]["message"] = "{accounts} {accounts}"
        exceptions["too_many_orders"]["message"] = "Zu viele Aufträge."

    _edit_json(copy.integration / "translations" / "de.json", edit)
    (copy.integration / "translations" / "pl.json").unlink()
    (copy.integration / "translations" / "xx.json").write_text("{}", encoding="utf-8")

    assert set(check_languages(copy)) == {
        "de.json: entity.sensor.balance.name is missing",
        "de.json: entity.sensor.retired.name is not in en.json (stale)",
        (
            "de.json: exceptions.insufficient_balance.message has placeholders "
            "['currency', 'kosten'], English ['balance', 'cost', 'currency', 'currency']"
        ),
        (
            "de.json: exceptions.account_required.message has placeholders "
            "['accounts', 'accounts'], English ['accounts']"
        ),
        (
            "de.json: exceptions.too_many_orders.message has placeholders [], "
            "English ['count', 'max']"
        ),
        "pl.json is missing",
        "xx.json: not a language the check knows; add it to LANGUAGES",
    }


def test_card_texts_must_be_in_english_with_their_placeholders(copy: Package) -> None:
    """Each text the card shows is in en.json, no other, with the placeholders the card
    fills in; a key the check cannot read is named."""

    def edit(english: Any) -> None:
        texts = english["selector"]["orders_card"]["options"]
        del texts["track"]
        texts["retired"] = "Gone"
        texts["placed"] = "Placed order {order_id}."

    _edit_json(copy.integration / "translations" / "en.json", edit)
    card = copy.integration / ORDERS_CARD
    source = card.read_text(encoding="utf-8")
    card.write_text(
        source.replace('this._t("no_orders")', "this._t(emptyText)")
        + '\nthis._t("selected", label);\n',
        encoding="utf-8",
    )
    lines = card.read_text(encoding="utf-8").splitlines()

    def line_of(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if text in line)

    assert set(check_card_texts(copy)) == {
        "en.json selector.orders_card.options: 'track' is missing",
        "en.json selector.orders_card.options: 'retired' is not used by the card",
        "en.json selector.orders_card.options: 'no_orders' is not used by the card",
        (
            f"{ORDERS_CARD}:{line_of('this._t(emptyText)')}: a text's key must be "
            "written out, not 'emptyText'"
        ),
        (
            f"{ORDERS_CARD}:{len(lines)}: selected takes its placeholders as "
            "{name: value}"
        ),
        (
            f"{ORDERS_CARD}:{line_of('this._t("placed"')}: placed fills in ['order'], "
            "en.json selector.orders_card.options.placed has ['order_id']"
        ),
    }


def test_spending_card_texts_are_checked_too(copy: Package) -> None:
    """The spending card's texts are checked against their own selector in en.json."""

    def edit(english: Any) -> None:
        texts = english["selector"]["spending_card"]["options"]
        del texts["week_of"]
        texts["last_days"] = "Last days"

    _edit_json(copy.integration / "translations" / "en.json", edit)
    card = copy.integration / SPENDING_CARD
    source = card.read_text(encoding="utf-8")
    card.write_text(source.replace('this._t("today")', 'this._t("now")'))
    lines = card.read_text(encoding="utf-8").splitlines()

    def line_of(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if text in line)

    assert set(check_card_texts(copy)) == {
        "en.json selector.spending_card.options: 'week_of' is missing",
        "en.json selector.spending_card.options: 'now' is missing",
        "en.json selector.spending_card.options: 'today' is not used by the card",
        (
            f"{SPENDING_CARD}:{line_of('this._t("last_days"')}: last_days fills in "
            "['count'], en.json selector.spending_card.options.last_days has []"
        ),
    }


def test_every_language_has_the_card_texts(copy: Package) -> None:
    """The card's texts are checked in every language like the rest: a missing one, a
    changed placeholder and an apostrophe quoting a placeholder fail."""

    def edit(german: Any) -> None:
        texts = german["selector"]["orders_card"]["options"]
        del texts["new_order"]
        texts["order_error"] = "Bestellung {bestellung}: {error}"

    def edit_french(french: Any) -> None:
        french["selector"]["orders_card"]["options"]["placed"] = "Commande l'{order}."

    translations = copy.integration / "translations"
    _edit_json(translations / "de.json", edit)
    _edit_json(translations / "fr.json", edit_french)

    assert set(check_languages(copy)) == {
        "de.json: selector.orders_card.options.new_order is missing",
        (
            "de.json: selector.orders_card.options.order_error has placeholders "
            "['bestellung', 'error'], English ['error', 'order']"
        ),
        (
            "fr.json: selector.orders_card.options.placed has an apostrophe before "
            "a brace, which the frontend reads as quoting"
        ),
    }


def test_texts_home_assistant_cannot_read_fail(copy: Package) -> None:
    """A text Home Assistant cannot read, which it would drop, fails: a plural of the
    frontend's message format, in English or in another language."""
    plural = "{orders, plural, one {# order} other {# orders}}"

    def edit_english(english: Any) -> None:
        english["selector"]["orders_card"]["options"]["no_orders"] = plural

    def edit_german(german: Any) -> None:
        german["entity"]["sensor"]["balance"]["name"] = "Guthaben {"

    translations = copy.integration / "translations"
    _edit_json(translations / "en.json", edit_english)
    _edit_json(translations / "de.json", edit_german)

    unreadable = {
        problem for problem in check_languages(copy) if "cannot be read" in problem
    }
    assert unreadable == {
        (
            "en.json: selector.orders_card.options.no_orders cannot be read by Home "
            "Assistant, which drops it (unexpected '{' in field name): no plural or "
            "select, only {placeholders}"
        ),
        (
            "de.json: entity.sensor.balance.name cannot be read by Home Assistant, "
            "which drops it (Single '{' encountered in format string): no plural or "
            "select, only {placeholders}"
        ),
    }


def test_translations_hold_no_url(copy: Package) -> None:
    """An address in a text fails, as hassfest fails it: it goes in a placeholder."""

    def edit_english(english: Any) -> None:
        english["config"]["error"]["unknown"] = "See https://a.example/x."

    def edit_german(german: Any) -> None:
        german["config"]["abort"]["already_configured"] = "Siehe www.example.com."

    translations = copy.integration / "translations"
    _edit_json(translations / "en.json", edit_english)
    _edit_json(translations / "de.json", edit_german)

    assert set(check_languages(copy)) == {
        "en.json: config.error.unknown holds a URL; pass it as a placeholder",
        (
            "de.json: config.abort.already_configured holds a URL; pass it as a "
            "placeholder"
        ),
    }


def test_languages_use_home_assistants_file_names() -> None:
    """Brazilian Portuguese is pt-BR.json, as Home Assistant names it; all are JSON."""
    names = {
        path.name for path in (REPOSITORY / INTEGRATION / "translations").iterdir()
    }
    assert "pt-BR.json" in names
    assert len(names) == 13
    assert all(name.endswith(".json") for name in names)


def test_services_yaml_must_match_the_actions(copy: Package) -> None:
    """Every registered action and field has an entry with a selector, and no more."""
    path = copy.integration / "services.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("cancel:\n", "cancel_all:\n", 1)
    text = text.replace(
        '    category:\n      example: "Instagram"\n      selector:\n        text:\n',
        '    category:\n      example: "Instagram"\n',
    )
    path.write_text(text, encoding="utf-8")

    problems = set(check_services(copy))

    assert "services.yaml: 'cancel' is missing" in problems
    assert "services.yaml: 'cancel_all' is not used by the integration (stale)" in (
        problems
    )
    assert "services.yaml get_services.category: no selector" in problems


def test_icons_must_cover_entities_and_actions(copy: Package) -> None:
    """Every entity translation key and action has an icon."""

    def edit(icons: dict[str, Any]) -> None:
        del icons["entity"]["sensor"]["pending_refills"]
        del icons["services"]["track_order"]

    _edit_json(copy.integration / "icons.json", edit)

    assert set(check_icons(copy)) == {
        "icons.json entity.sensor: 'pending_refills' is missing",
        "icons.json services: 'track_order' is missing",
    }


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda text: text.replace("  brands: done\n", ""),
            "quality_scale.yaml rules: 'brands' is missing",
        ),
        (
            lambda text: text + "  brands: todo\n",
            'duplicate key "brands"',
        ),
        (
            lambda text: text.replace("  devices: done", "  devices: exempt"),
            "quality_scale.yaml devices: 'exempt' is not done, todo",
        ),
        (
            lambda text: text.replace("  devices: done", "  devices: todo"),
            "declares platinum, but these gold rules are not done or exempt: devices",
        ),
        (
            lambda text: text + "  be-nice: done\n",
            "quality_scale.yaml rules: 'be-nice' is not a rule",
        ),
    ],
    ids=["missing", "twice", "bare-exempt", "tier", "unknown"],
)
def test_broken_quality_scale_fails(
    copy: Package, edit: Callable[[str], str], problem: str
) -> None:
    """Every rule once, with a valid status, and the manifest's tier met."""
    path = copy.integration / "quality_scale.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")

    problems = find_problems(check_quality_scale, copy)

    assert any(problem in found for found in problems), problems


def test_brand_images_are_checked(copy: Package) -> None:
    """Icons must have their exact sizes; every image must be a transparent PNG."""
    brand = copy.integration / "brand"
    Image.new("RGBA", (300, 300)).save(brand / "icon.png")
    Image.new("RGB", (512, 512)).save(brand / "dark_icon@2x.png")
    (brand / "logo@2x.png").unlink()

    assert set(check_brand(copy)) == {
        "brand/icon.png is 300x300, not 256x256",
        "brand/dark_icon@2x.png has no transparency",
        "brand/logo@2x.png is missing",
    }


def test_command_line_fails_with_the_problems(copy: Package) -> None:
    """The script exits with 1 and prints each problem under its check."""
    _edit_json(copy.root / "hacs.json", lambda h: h.update(domains=["sensor"]))

    result = _run("check_package.py", str(copy.root))

    assert result.returncode == 1
    assert "FAIL  hacs.json: keys and release settings" in result.stdout
    assert "- unknown key 'domains'" in result.stdout
    assert "1 of 9 checks failed" in result.stderr


def test_release_archive(tmp_path: Path) -> None:
    """The archive holds the integration folder's files at its root, no caches."""
    result = _run("release.py", "--output", str(tmp_path), "--tag", "v0.0.0-nope")
    assert result.returncode == 1
    assert "does not name manifest.json's version" in result.stderr

    result = _run("release.py", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr

    with ZipFile(tmp_path / "smmpanel.zip") as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    shipped = sorted(
        path.relative_to(REPOSITORY / INTEGRATION).as_posix()
        for path in (REPOSITORY / INTEGRATION).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    assert names == shipped
    assert {"__init__.py", "brand/icon.png", "translations/en.json"} <= set(names)
    assert f"{DOMAIN} {manifest['version']}" in result.stdout
