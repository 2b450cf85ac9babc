"""Check what Home Assistant and HACS read from the integration besides its code.

Validates manifest.json and hacs.json the way hassfest and the HACS action do, the
brand images, services.yaml against the actions the integration registers, en.json
and icons against the keys the code uses (none missing, none stale), the cards'
texts against en.json (their keys and the placeholders each card fills in),
every other language against en.json (its keys and placeholders), every text for
what Home Assistant can read of it, and quality_scale.yaml against the rules of the four tiers.

Usage: .venv/bin/python scripts/check_package.py [REPOSITORY_ROOT]
Exits with 1 and names every problem when a check fails.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
import importlib
import json
import logging
from pathlib import Path
import re
import string
import sys
import tempfile
from typing import Any, Final
from urllib.parse import urlsplit

from awesomeversion import AwesomeVersion, AwesomeVersionException
from awesomeversion.strategy import AwesomeVersionStrategy
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.yaml import load_yaml
from PIL import Image
import probatio

DOMAIN: Final = "smmpanel"
DEFAULT_ROOT: Final = Path(__file__).resolve().parent.parent

# hassfest's manifest schema for custom integrations.
MANIFEST_REQUIRED: Final = (
    "domain",
    "name",
    "codeowners",
    "documentation",
    "iot_class",
    "issue_tracker",
    "version",
)
MANIFEST_KEYS: Final = frozenset(
    {
        *MANIFEST_REQUIRED,
        "after_dependencies",
        "bluetooth",
        "config_flow",
        "dependencies",
        "dhcp",
        "disabled",
        "homekit",
        "import_executor",
        "integration_type",
        "loggers",
        "mqtt",
        "quality_scale",
        "requirements",
        "single_config_entry",
        "ssdp",
        "usb",
        "zeroconf",
    }
)
MANIFEST_LISTS: Final = (
    "after_dependencies",
    "codeowners",
    "dependencies",
    "loggers",
    "requirements",
)
MANIFEST_BOOLS: Final = ("config_flow", "import_executor", "single_config_entry")
IOT_CLASSES: Final = frozenset(
    {
        "assumed_state",
        "calculated",
        "cloud_polling",
        "cloud_push",
        "local_polling",
        "local_push",
    }
)
INTEGRATION_TYPES: Final = frozenset(
    {"device", "entity", "hardware", "helper", "hub", "service", "system"}
)
VERSION_STRATEGIES: Final = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]

# The HACS action's hacs.json schema.
HACS_KEYS: Final = frozenset(
    {
        "content_in_root",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "homeassistant",
        "name",
        "persistent_directory",
        "zip_release",
    }
)
HACS_BOOLS: Final = (
    "content_in_root",
    "hide_default_branch",
    "zip_release",
)
# Keys HACS once read and now ignores: HACS 2 always renders README.md.
HACS_OBSOLETE_KEYS: Final = frozenset({"render_readme"})

# Brand images Home Assistant serves from the integration's brand/ folder: exact
# icon sizes, and the range the shortest side of a landscape logo must fall in.
ICON_SIZES: Final = {"icon.png": 256, "icon@2x.png": 512}
LOGO_SHORT_SIDES: Final = {"logo.png": (128, 256), "logo@2x.png": (256, 512)}
DARK_PREFIX: Final = "dark_"

# hassfest's Integration Quality Scale rules, by tier.
QUALITY_SCALE_RULES: Final[Mapping[str, tuple[str, ...]]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
MANIFEST_QUALITY_SCALES: Final = frozenset({*QUALITY_SCALE_RULES, "internal", "legacy"})

# Entities live in modules named after their platform.
PLATFORMS: Final = frozenset(platform.value for platform in Platform)
FLOW_KINDS: Final = ("config", "options")


class PackageError(Exception):
    """A file a check needs is missing or unreadable."""


class _DuplicateKeyWarnings(logging.Handler):
    """Collect the duplicate key warnings of Home Assistant's YAML loader.

    The loader keeps the last of two equal keys and only warns; the check fails.
    """

    def __init__(self) -> None:
        """Start with no warnings."""
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep a duplicate key warning."""
        if "duplicate key" in (message := record.getMessage()):
            self.messages.append(message)


@dataclass(slots=True)
class FlowKeys:
    """The steps, errors and abort reasons one kind of flow uses."""

    steps: set[str] = field(default_factory=set)
    errors: set[str] = field(default_factory=set)
    aborts: set[str] = field(default_factory=set)


@dataclass(slots=True)
class CodeKeys:
    """The translation keys the integration's Python code uses."""

    entities: dict[str, set[str]] = field(default_factory=dict)  # by platform
    exceptions: set[str] = field(default_factory=set)
    issues: set[str] = field(default_factory=set)
    selectors: set[str] = field(default_factory=set)
    flows: dict[str, FlowKeys] = field(default_factory=dict)  # config, options
    misplaced: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Action:
    """An action the integration registers, with its schema's fields."""

    fields: frozenset[str] | None  # None when the schema is not a field mapping


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword(call: ast.Call, name: str) -> str | None:
    return next((_text(kw.value) for kw in call.keywords if kw.arg == name), None)


class _ModuleKeys:
    """Finds the translation keys one module passes, and what they translate.

    A key is passed as a `translation_key=` keyword, or to a helper function that
    takes a `translation_key` parameter and hands it on: one of the module's own, or
    one it imports from a sibling module (`from .action_errors import failure`).
    What the key translates follows from where it ends up: an entity description, a
    repair issue, a selector, or (anything else) an exception.
    """

    def __init__(self, tree: ast.Module) -> None:
        """Index the module's own helpers that take a `translation_key`."""
        self.tree = tree
        self._helpers: dict[
            str, tuple[int, ast.FunctionDef | ast.AsyncFunctionDef]
        ] = {}
        # Helpers imported from sibling modules: the module, and the name there.
        self._imported: dict[str, tuple[_ModuleKeys, str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
                if names and names[0] in ("self", "cls"):
                    names.pop(0)  # called as a method, without it
                if "translation_key" in names:
                    self._helpers[node.name] = (names.index("translation_key"), node)

    def link_imports(self, siblings: Mapping[str, _ModuleKeys]) -> None:
        """Index the helpers the module imports from its sibling modules, by stem."""
        for node in ast.walk(self.tree):
            if not (
                isinstance(node, ast.ImportFrom)
                and node.level == 1
                and (sibling := siblings.get(node.module or "")) is not None
            ):
                continue
            for alias in node.names:
                if sibling.position(alias.name) is not None:
                    self._imported[alias.asname or alias.name] = (sibling, alias.name)

    def position(self, callee: str) -> int | None:
        """Return where a helper takes its translation key, if `callee` is one."""
        if callee in self._helpers:
            return self._helpers[callee][0]
        if callee in self._imported:
            sibling, name = self._imported[callee]
            return sibling.position(name)
        return None

    def _passed(self, call: ast.Call) -> ast.expr | None:
        """Return the expression a call passes as its translation key."""
        for keyword in call.keywords:
            if keyword.arg == "translation_key":
                return keyword.value
        callee = _callee(call)
        position = None if callee is None else self.position(callee)
        if position is not None and len(call.args) > position:
            return call.args[position]
        return None

    def key(self, call: ast.Call) -> str | None:
        """Return the constant translation key a call passes, if any."""
        return _text(self._passed(call))

    def kind(self, callee: str, seen: frozenset[str] = frozenset()) -> str:
        """Return what a key passed to `callee` translates."""
        if callee.endswith("EntityDescription"):
            return "entity"
        if callee == "async_create_issue":
            return "issues"
        if callee.endswith("SelectorConfig"):
            return "selectors"
        if callee in self._imported:
            sibling, name = self._imported[callee]
            return sibling.kind(name)
        if callee in self._helpers and callee not in seen:
            for node in ast.walk(self._helpers[callee][1]):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(passed := self._passed(node), ast.Name)
                    and passed.id == "translation_key"
                    and (inner := _callee(node)) is not None
                ):
                    return self.kind(inner, seen | {callee})
        return "exceptions"


def _attr_translation_keys(node: ast.ClassDef) -> Iterator[tuple[str, int]]:
    """Yield the `_attr_translation_key` constants of a class, with their lines."""
    for statement in node.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        else:
            continue
        if any(
            isinstance(target, ast.Name) and target.id == "_attr_translation_key"
            for target in targets
        ) and (key := _text(statement.value)):
            yield key, statement.lineno


def _collect_module_keys(path: Path, module: _ModuleKeys, keys: CodeKeys) -> None:
    """Add the translation keys one module uses to `keys`."""
    tree = module.tree
    platform = path.stem if path.stem in PLATFORMS else None

    def add_entity_key(key: str, line: int) -> None:
        if platform is None:
            keys.misplaced.append(
                f"{path.name}:{line}: entity translation key {key!r} outside a platform module"
            )
        else:
            keys.entities.setdefault(platform, set()).add(key)

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for attr_key, line in _attr_translation_keys(node):
                add_entity_key(attr_key, line)
        if (
            not isinstance(node, ast.Call)
            or (callee := _callee(node)) is None
            or (passed := module.key(node)) is None
        ):
            continue
        match module.kind(callee):
            case "entity":
                add_entity_key(passed, node.lineno)
            case "issues":
                keys.issues.add(passed)
            case "selectors":
                keys.selectors.add(passed)
            case _:
                keys.exceptions.add(passed)


def _flow_kind(node: ast.ClassDef) -> str | None:
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        if name.endswith("ConfigFlow"):
            return "config"
        if "OptionsFlow" in name:
            return "options"
    return None


def _error_values(node: ast.AST) -> Iterator[str]:
    """Yield the error keys a flow sets: {"base": "x"}, {CONF_URL: "x"}, errors[...] = "x"."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            is_field = _text(key) == "base" or (
                isinstance(key, ast.Name) and key.id.startswith("CONF_")
            )
            if is_field and (error := _text(value)):
                yield error
    elif isinstance(node, ast.Assign) and (error := _text(node.value)):
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "errors"
            ):
                yield error


def _collect_flow_keys(path: Path, keys: CodeKeys) -> None:
    """Add the steps, errors and abort reasons of each flow class to `keys`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef) or (kind := _flow_kind(node)) is None:
            continue
        flow = keys.flows.setdefault(kind, FlowKeys())
        for item in ast.walk(node):
            flow.errors.update(_error_values(item))
            if not isinstance(item, ast.Call):
                continue
            match _callee(item):
                case "async_show_form":
                    if step := _keyword(item, "step_id"):
                        flow.steps.add(step)
                case "async_abort":
                    if reason := _keyword(item, "reason"):
                        flow.aborts.add(reason)
                case "_abort_if_unique_id_configured":
                    flow.aborts.add("already_configured")
                case "async_update_reload_and_abort" | "async_update_and_abort":
                    # Without a reason, Home Assistant words the abort itself.
                    if reason := _keyword(item, "reason"):
                        flow.aborts.add(reason)


def _schema_fields(schema: object) -> frozenset[str] | None:
    """Return the keys of an action's schema, or None if it is not a mapping."""
    if isinstance(schema, probatio.Schema) and isinstance(schema.schema, dict):
        return frozenset(
            str(getattr(marker, "schema", marker)) for marker in schema.schema
        )
    return None


def _registered_actions(root: Path, domain: str) -> dict[str, Action]:
    """Set the integration up far enough to register its actions; return them.

    The actions are registered from `async_setup` (the action-setup rule), which
    needs no config entry, so an empty Home Assistant is enough.
    """
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    integration = importlib.import_module(f"custom_components.{domain}")

    async def register() -> dict[str, Action]:
        with tempfile.TemporaryDirectory() as config_dir:
            hass = HomeAssistant(config_dir)
            await integration.async_setup(hass, {})
            services = hass.services.async_services_for_domain(domain)
            await hass.async_stop(force=True)
        return {
            name: Action(fields=_schema_fields(service.schema))
            for name, service in services.items()
        }

    return asyncio.run(register())


class Package:
    """The integration's files, loaded on first use."""

    def __init__(self, root: Path, domain: str = DOMAIN) -> None:
        """Point at a repository holding custom_components/<domain>/."""
        self.root = root
        self.domain = domain
        self.integration = root / "custom_components" / domain

    def _read(self, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise PackageError(
                f"cannot read {path.relative_to(self.root)}: {error.strerror}"
            ) from error

    def json(self, path: Path) -> Any:
        """Return a JSON file's content."""
        try:
            return json.loads(self._read(path))
        except json.JSONDecodeError as error:
            raise PackageError(
                f"{path.relative_to(self.root)} is not valid JSON: {error}"
            ) from error

    def yaml(self, path: Path) -> Any:
        """Return a YAML file's content as Home Assistant loads it; refuse duplicates."""
        if not path.is_file():
            raise PackageError(f"{path.relative_to(self.root)} is missing")
        warnings = _DuplicateKeyWarnings()
        logger = logging.getLogger("annotatedyaml")
        logger.addHandler(warnings)
        try:
            content = load_yaml(path)
        except HomeAssistantError as error:
            raise PackageError(
                f"{path.relative_to(self.root)} is not valid YAML: {error}"
            ) from error
        finally:
            logger.removeHandler(warnings)
        if warnings.messages:
            raise PackageError("; ".join(warnings.messages))
        return content

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """Return manifest.json."""
        return _mapping(self.json(self.integration / "manifest.json"), "manifest.json")

    @cached_property
    def strings(self) -> dict[str, Any]:
        """Return translations/en.json."""
        return _mapping(
            self.json(self.integration / "translations" / "en.json"), "en.json"
        )

    @cached_property
    def icons(self) -> dict[str, Any]:
        """Return icons.json."""
        return _mapping(self.json(self.integration / "icons.json"), "icons.json")

    @cached_property
    def services_yaml(self) -> dict[str, Any]:
        """Return services.yaml."""
        return _mapping(
            self.yaml(self.integration / "services.yaml") or {}, "services.yaml"
        )

    @cached_property
    def code_keys(self) -> CodeKeys:
        """Return the translation keys the Python code uses."""
        keys = CodeKeys()
        modules = {
            path: _ModuleKeys(
                ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            )
            for path in sorted(self.integration.glob("*.py"))
        }
        by_stem = {path.stem: module for path, module in modules.items()}
        for path, module in modules.items():
            module.link_imports(by_stem)
            _collect_module_keys(path, module, keys)
        if (config_flow := self.integration / "config_flow.py").is_file():
            _collect_flow_keys(config_flow, keys)
        return keys

    def card_source(self, card: Path) -> str:
        """Return a card's JavaScript."""
        return self._read(self.integration / card)

    @cached_property
    def actions(self) -> dict[str, Action]:
        """Return the actions the integration registers."""
        return _registered_actions(self.root, self.domain)


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PackageError(f"{name} must hold a mapping")
    return value


def _section(data: Mapping[str, Any], *path: str) -> dict[str, Any]:
    """Return a nested mapping of a loaded file, or an empty one."""
    for key in path:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return dict(data)


def _compare(
    where: str,
    used: Iterable[str],
    present: Iterable[str],
    *,
    unused: str = "is not used by the integration (stale)",
) -> Iterator[str]:
    """Yield a problem for each key used but not present, and present but unused."""
    used, present = set(used), set(present)
    for key in sorted(used - present):
        yield f"{where}: {key!r} is missing"
    for key in sorted(present - used):
        yield f"{where}: {key!r} {unused}"


def _is_https_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    url = urlsplit(value)
    return url.scheme == "https" and bool(url.netloc)


def _version_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    try:
        AwesomeVersion(value, ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException:
        return f"{value!r} is not a version AwesomeVersion understands"
    return None


def _manifest_sort_key(key: str) -> tuple[int, str]:
    return ({"domain": 0, "name": 1}.get(key, 2), key)


def check_manifest(package: Package) -> Iterator[str]:
    """Check manifest.json as hassfest checks a custom integration's manifest."""
    manifest = package.manifest
    for key in MANIFEST_REQUIRED:
        if key not in manifest:
            yield f"required key {key!r} is missing"
    for key in sorted(manifest.keys() - MANIFEST_KEYS):
        yield f"unknown key {key!r}"
    if (keys := list(manifest)) != sorted(keys, key=_manifest_sort_key):
        yield (
            "keys are not sorted (domain, name, then alphabetical): expected "
            + ", ".join(sorted(keys, key=_manifest_sort_key))
        )
    if "domain" in manifest and manifest["domain"] != package.integration.name:
        yield f"domain {manifest['domain']!r} does not match the folder name {package.integration.name!r}"
    if "name" in manifest and not (
        isinstance(manifest["name"], str) and manifest["name"]
    ):
        yield "name must be a non-empty string"
    for key in ("documentation", "issue_tracker"):
        if key in manifest and not _is_https_url(manifest[key]):
            yield f"{key} must be an https URL, not {manifest[key]!r}"
    if "version" in manifest and (problem := _version_problem(manifest["version"])):
        yield f"version {problem}"
    if "iot_class" in manifest and manifest["iot_class"] not in IOT_CLASSES:
        yield f"iot_class {manifest['iot_class']!r} is not one of {', '.join(sorted(IOT_CLASSES))}"
    if (
        "integration_type" in manifest
        and manifest["integration_type"] not in INTEGRATION_TYPES
    ):
        yield f"integration_type {manifest['integration_type']!r} is not one of {', '.join(sorted(INTEGRATION_TYPES))}"
    if (
        "quality_scale" in manifest
        and manifest["quality_scale"] not in MANIFEST_QUALITY_SCALES
    ):
        yield f"quality_scale {manifest['quality_scale']!r} is not one of {', '.join(sorted(MANIFEST_QUALITY_SCALES))}"
    for key in MANIFEST_LISTS:
        value = manifest.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            yield f"{key} must be a list of strings"
    if "codeowners" in manifest and not manifest["codeowners"]:
        yield "codeowners must name at least one owner"
    for owner in manifest.get("codeowners") or []:
        if isinstance(owner, str) and not owner.startswith("@"):
            yield f"code owner {owner!r} must be a GitHub @user or @org/team"
    for key in MANIFEST_BOOLS:
        if key in manifest and not isinstance(manifest[key], bool):
            yield f"{key} must be true or false"


def check_hacs(package: Package) -> Iterator[str]:
    """Check hacs.json as the HACS action does."""
    hacs = _mapping(package.json(package.root / "hacs.json"), "hacs.json")
    if not (isinstance(hacs.get("name"), str) and hacs["name"]):
        yield "required key 'name' is missing or empty"
    for key in sorted(hacs.keys() & HACS_OBSOLETE_KEYS):
        yield f"{key} is obsolete: HACS 2 always renders README.md"
    for key in sorted(hacs.keys() - HACS_KEYS - HACS_OBSOLETE_KEYS):
        yield f"unknown key {key!r}"
    for key in HACS_BOOLS:
        if key in hacs and not isinstance(hacs[key], bool):
            yield f"{key} must be true or false"
    if "homeassistant" in hacs and (problem := _version_problem(hacs["homeassistant"])):
        yield f"homeassistant {problem}"
    if hacs.get("zip_release"):
        filename = hacs.get("filename")
        if not (isinstance(filename, str) and filename.endswith(".zip")):
            yield "zip_release needs a filename ending in .zip"
    elif "filename" in hacs:
        yield "filename is only read with zip_release: true"
    if hacs.get("content_in_root"):
        yield "content_in_root must not be set: the integration is in custom_components/"


def check_brand(package: Package) -> Iterator[str]:
    """Check the brand images Home Assistant serves for the integration."""
    brand = package.integration / "brand"
    sizes: dict[str, tuple[int, int]] = {}
    names = [*ICON_SIZES, *LOGO_SHORT_SIDES]
    for name in [*names, *(f"{DARK_PREFIX}{name}" for name in names)]:
        path = brand / name
        if not path.is_file():
            if not name.startswith(DARK_PREFIX):
                yield f"brand/{name} is missing"
            continue
        try:
            with Image.open(path) as image:
                if image.format != "PNG":
                    yield f"brand/{name} is a {image.format} image, not a PNG"
                if "A" not in image.getbands():
                    yield f"brand/{name} has no transparency"
                sizes[name] = image.size
        except OSError as error:
            yield f"brand/{name} cannot be read as an image: {error}"
    for name, side in ICON_SIZES.items():
        for variant in (name, f"{DARK_PREFIX}{name}"):
            if variant in sizes and sizes[variant] != (side, side):
                yield f"brand/{variant} is {sizes[variant][0]}x{sizes[variant][1]}, not {side}x{side}"
    for name, (shortest, longest) in LOGO_SHORT_SIDES.items():
        for variant in (name, f"{DARK_PREFIX}{name}"):
            if variant not in sizes:
                continue
            width, height = sizes[variant]
            if not shortest <= min(width, height) <= longest:
                yield f"brand/{variant}'s shortest side is {min(width, height)}, not {shortest} to {longest}"
    extra = {path.name for path in brand.glob("*")} - {
        *names,
        *(f"{DARK_PREFIX}{name}" for name in names),
    }
    for name in sorted(extra):
        yield f"brand/{name} is not a brand image Home Assistant reads"


def _yaml_fields(
    entry: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return an action's fields, sections flattened, and its sections."""
    fields: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for name, spec in _section(entry, "fields").items():
        if isinstance(spec, dict) and "fields" in spec:
            sections[name] = spec
            fields.update(_section(spec, "fields"))
        else:
            fields[name] = spec
    return fields, sections


def _check_texts(where: str, texts: Any) -> Iterator[str]:
    for key in ("name", "description"):
        if not (
            isinstance(texts, dict) and isinstance(texts.get(key), str) and texts[key]
        ):
            yield f"{where}: no {key}"


def check_services(package: Package) -> Iterator[str]:
    """Check services.yaml and the actions' texts against the registered actions."""
    actions = package.actions
    services = package.services_yaml
    texts = _section(package.strings, "services")
    selector_texts = _section(package.strings, "selector")
    yield from _compare("services.yaml", actions, services)
    yield from _compare("en.json services", actions, texts)
    for name in sorted(actions.keys() & services.keys()):
        fields, sections = _yaml_fields(services[name] or {})
        if (schema_fields := actions[name].fields) is None:
            yield f"action {name}: its schema is not a mapping of fields; cannot compare"
        else:
            yield from _compare(f"services.yaml {name} fields", schema_fields, fields)
        action_texts = texts.get(name)
        yield from _check_texts(f"en.json services.{name}", action_texts)
        field_texts = _section(texts, name, "fields")
        yield from _compare(f"en.json services.{name}.fields", fields, field_texts)
        for field_name in sorted(fields.keys() & field_texts.keys()):
            yield from _check_texts(
                f"en.json services.{name}.fields.{field_name}", field_texts[field_name]
            )
        section_texts = _section(texts, name, "sections")
        yield from _compare(
            f"en.json services.{name}.sections", sections, section_texts
        )
        for section in sorted(sections.keys() & section_texts.keys()):
            yield from _check_texts(
                f"en.json services.{name}.sections.{section}", section_texts[section]
            )
        for field_name, spec in sorted(fields.items()):
            selector = spec.get("selector") if isinstance(spec, dict) else None
            if not isinstance(selector, dict) or not selector:
                yield f"services.yaml {name}.{field_name}: no selector"
                continue
            select = selector.get("select") or {}
            if key := select.get("translation_key"):
                yield from _compare(
                    f"en.json selector.{key}.options ({name}.{field_name})",
                    (str(option) for option in select.get("options", [])),
                    _section(selector_texts, key, "options"),
                )


def _select_translation_keys(services: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for entry in services.values():
        for spec in _yaml_fields(entry or {})[0].values():
            selector = spec.get("selector") if isinstance(spec, dict) else None
            select = (selector or {}).get("select") or {}
            if key := select.get("translation_key"):
                keys.add(key)
    return keys


def check_translations(package: Package) -> Iterator[str]:
    """Check en.json holds every key the code uses, and nothing else."""
    strings = package.strings
    code = package.code_keys
    yield from code.misplaced
    for kind in FLOW_KINDS:
        flow = code.flows.get(kind, FlowKeys())
        yield from _compare(
            f"en.json {kind}.step", flow.steps, _section(strings, kind, "step")
        )
        yield from _compare(
            f"en.json {kind}.error", flow.errors, _section(strings, kind, "error")
        )
        yield from _compare(
            f"en.json {kind}.abort", flow.aborts, _section(strings, kind, "abort")
        )
        for step, texts in _section(strings, kind, "step").items():
            data = _section(texts, "data")
            descriptions = _section(texts, "data_description")
            for key in sorted(data.keys() - descriptions.keys()):
                yield f"en.json {kind}.step.{step}: field {key!r} has no data_description"
            for key in sorted(descriptions.keys() - data.keys()):
                yield f"en.json {kind}.step.{step}: data_description {key!r} has no field"
    entity_texts = _section(strings, "entity")
    yield from _compare("en.json entity", code.entities, entity_texts)
    for platform in sorted(code.entities.keys() & entity_texts.keys()):
        yield from _compare(
            f"en.json entity.{platform}",
            code.entities[platform],
            _section(entity_texts, platform),
        )
    exceptions = _section(strings, "exceptions")
    yield from _compare("en.json exceptions", code.exceptions, exceptions)
    for key in sorted(exceptions):
        if not _section(exceptions, key).get("message"):
            yield f"en.json exceptions.{key}: no message"
    issues = _section(strings, "issues")
    yield from _compare("en.json issues", code.issues, issues)
    for key in sorted(issues):
        issue = _section(issues, key)
        # A fixable issue describes itself in its fix flow's first step.
        steps = _section(issue, "fix_flow", "step")
        first = _section(steps, "confirm" if "confirm" in steps else "init")
        if not issue.get("title"):
            yield f"en.json issues.{key}: no title"
        if not (issue.get("description") or first.get("description")):
            yield f"en.json issues.{key}: no description"
    yield from _compare(
        "en.json selector",
        code.selectors
        | _select_translation_keys(package.services_yaml)
        | set(CARD_SELECTORS.values()),
        _section(strings, "selector"),
    )
    for kind, texts in _section(strings, "config_subentries").items():
        if not _section(texts, "initiate_flow").get("user") or not texts.get(
            "entry_type"
        ):
            yield f"en.json config_subentries.{kind}: no initiate_flow.user or entry_type"
        for step, step_texts in _section(texts, "step").items():
            data = _section(step_texts, "data")
            if missing := sorted(
                data.keys() - _section(step_texts, "data_description").keys()
            ):
                yield (
                    f"en.json config_subentries.{kind}.step.{step}: "
                    f"fields {missing} have no data_description"
                )
    known = {
        "config",
        "config_subentries",
        "options",
        "entity",
        "exceptions",
        "issues",
        "selector",
        "services",
    }
    for key in sorted(strings.keys() - known):
        yield f"en.json: unknown top-level key {key!r}"


# The cards, and where en.json keeps the texts of each: the options of a selector, a
# translation category the frontend loads for the user's language.
ORDERS_CARD: Final = Path("frontend") / "smmpanel-orders-card.js"
SPENDING_CARD: Final = Path("frontend") / "smmpanel-spending-card.js"
CARD_SELECTORS: Final = {ORDERS_CARD: "orders_card", SPENDING_CARD: "spending_card"}
# Each text a card shows: this._t("key") or this._t("key", { name: value, ... }).
CARD_TEXT_CALL: Final = re.compile(r"\._t\(")
CARD_TEXT_KEY: Final = re.compile(r'"([a-z0-9_]+)"')
IDENTIFIER: Final = re.compile(r"[A-Za-z_$][\w$]*")


@dataclass(frozen=True, slots=True)
class CardText:
    """A text the card asks for: its key, the placeholders it fills in, its line."""

    key: str
    placeholders: frozenset[str]
    line: int


def _arguments(source: str, opening: int, card: Path) -> list[str]:
    """Return the parts between the bracket at `opening` and its closing bracket.

    Parts are split at the commas directly inside it, not at those nested in
    brackets or quotes.
    """
    parts: list[str] = []
    depth, quote, begin, index = 0, "", opening + 1, opening + 1
    while index < len(source):
        char = source[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in ")]}" or (char == "," and not depth):
            parts.append(source[begin:index].strip())
            if char != ",":
                return [part for part in parts if part]
            begin = index + 1
        index += 1
    raise PackageError(f"{card}: a bracket opened at {opening} is never closed")


def _card_texts(source: str, card: Path) -> Iterator[CardText | str]:
    """Yield each text the card asks for, or why its call cannot be read."""
    for call in CARD_TEXT_CALL.finditer(source):
        line = source.count("\n", 0, call.start()) + 1
        key, *rest = _arguments(source, call.end() - 1, card) or [""]
        if not (literal := CARD_TEXT_KEY.fullmatch(key)):
            yield f"{card}:{line}: a text's key must be written out, not {key!r}"
            continue
        key = literal.group(1)
        if any(not values.startswith("{") for values in rest):
            yield f"{card}:{line}: {key} takes its placeholders as {{name: value}}"
            continue
        names = [
            part.split(":", 1)[0].strip()
            for values in rest
            for part in _arguments(values, 0, card)
        ]
        if bad := [name for name in names if not IDENTIFIER.fullmatch(name)]:
            yield f"{card}:{line}: {key} has placeholders that are no names: {bad}"
            continue
        yield CardText(key, frozenset(names), line)


def check_card_texts(package: Package) -> Iterator[str]:
    """Check en.json has each text the cards show, with the placeholders they fill in."""
    for card, selector in CARD_SELECTORS.items():
        yield from _check_card_texts(package, card, selector)


def _check_card_texts(package: Package, card: Path, selector: str) -> Iterator[str]:
    where = f"en.json selector.{selector}.options"
    english = _section(package.strings, "selector", selector, "options")
    texts: list[CardText] = []
    for text in _card_texts(package.card_source(card), card):
        if isinstance(text, str):
            yield text
        else:
            texts.append(text)
    yield from _compare(
        where, {text.key for text in texts}, english, unused="is not used by the card"
    )
    for text in texts:
        if not isinstance(template := english.get(text.key), str):
            continue
        if (wanted := set(PLACEHOLDER.findall(template))) != text.placeholders:
            yield (
                f"{card}:{text.line}: {text.key} fills in {sorted(text.placeholders)}, "
                f"{where}.{text.key} has {sorted(wanted)}"
            )


# The languages the integration speaks besides English; each must say all en.json says.
LANGUAGES: Final = (
    "ar",
    "de",
    "es",
    "fr",
    "hi",
    "id",
    "it",
    "nl",
    "pl",
    "pt-BR",
    "ru",
    "tr",
)
PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")
# The frontend's message format reads an apostrophe before a brace as quoting: the
# placeholder would show as its name.
QUOTED_BRACE: Final = re.compile(r"'[{}]")
# hassfest refuses translations holding an address: it belongs in a placeholder.
URL: Final = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S", re.IGNORECASE)


def _texts(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Yield each text of a translation file by its dotted key path."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _texts(value, (*path, str(key)))
    else:
        yield ".".join(path), data


def check_languages(package: Package) -> Iterator[str]:
    """Check each translation has English's keys, no others, its placeholders, no URL.

    Every text, English's too, must be one Home Assistant can read.
    """
    english = dict(_texts(package.strings))
    yield from _urls("en", english)
    yield from _quoted_braces("en", english)
    yield from _unparsable("en", english)
    translations = package.integration / "translations"
    found = {path.stem for path in translations.glob("*.json")} - {"en"}
    for language in sorted(found - set(LANGUAGES)):
        yield f"{language}.json: not a language the check knows; add it to LANGUAGES"
    for language in LANGUAGES:
        if language not in found:
            yield f"{language}.json is missing"
            continue
        texts = dict(_texts(package.json(translations / f"{language}.json")))
        yield from _urls(language, texts)
        yield from _quoted_braces(language, texts)
        yield from _unparsable(language, texts)
        for key in sorted(english.keys() - texts.keys()):
            yield f"{language}.json: {key} is missing"
        for key in sorted(texts.keys() - english.keys()):
            yield f"{language}.json: {key} is not in en.json (stale)"
        for key in sorted(english.keys() & texts.keys()):
            text = texts[key]
            if not isinstance(text, str) or not text.strip():
                yield f"{language}.json: {key} is empty"
            elif Counter(PLACEHOLDER.findall(text)) != Counter(
                PLACEHOLDER.findall(english[key])
            ):
                yield (
                    f"{language}.json: {key} has placeholders "
                    f"{sorted(PLACEHOLDER.findall(text))}, English "
                    f"{sorted(PLACEHOLDER.findall(english[key]))}"
                )


def _urls(language: str, texts: Mapping[str, Any]) -> Iterator[str]:
    """Name each text of a language that holds a URL."""
    for key, text in texts.items():
        if isinstance(text, str) and URL.search(text):
            yield f"{language}.json: {key} holds a URL; pass it as a placeholder"


def _unparsable(language: str, texts: Mapping[str, Any]) -> Iterator[str]:
    """Name each text of a language Home Assistant cannot read, which it drops.

    Home Assistant reads the placeholders of a text with Python's str.format syntax:
    a plural or select of the frontend's message format ("{count, plural, one {#
    order} other {# orders}}") is not read, and the text never reaches the frontend.
    """
    for key, text in texts.items():
        if not isinstance(text, str):
            continue
        try:
            list(string.Formatter().parse(text))
        except ValueError as error:
            yield (
                f"{language}.json: {key} cannot be read by Home Assistant, which "
                f"drops it ({error}): no plural or select, only {{placeholders}}"
            )


def _quoted_braces(language: str, texts: Mapping[str, Any]) -> Iterator[str]:
    """Name each text of a language with an apostrophe right before a brace."""
    for key, text in texts.items():
        if isinstance(text, str) and QUOTED_BRACE.search(text):
            yield (
                f"{language}.json: {key} has an apostrophe before a brace, which the "
                "frontend reads as quoting"
            )


def check_icons(package: Package) -> Iterator[str]:
    """Check icons.json gives every entity translation key and action an icon."""
    icons = package.icons
    entity_icons = _section(icons, "entity")
    code = package.code_keys
    yield from _compare("icons.json entity", code.entities, entity_icons)
    for platform in sorted(code.entities.keys() & entity_icons.keys()):
        yield from _compare(
            f"icons.json entity.{platform}",
            code.entities[platform],
            _section(entity_icons, platform),
        )
        for key, icon in _section(entity_icons, platform).items():
            if not (
                isinstance(icon, dict)
                and str(icon.get("default", "")).startswith("mdi:")
            ):
                yield f"icons.json entity.{platform}.{key}: no default mdi: icon"
    service_icons = _section(icons, "services")
    yield from _compare("icons.json services", package.actions, service_icons)
    for name in sorted(package.actions.keys() & service_icons.keys()):
        if not str(_section(service_icons, name).get("service", "")).startswith("mdi:"):
            yield f"icons.json services.{name}: no service mdi: icon"
        _, sections = _yaml_fields(package.services_yaml.get(name) or {})
        yield from _compare(
            f"icons.json services.{name}.sections",
            sections,
            _section(service_icons, name, "sections"),
        )
    for key in sorted(icons.keys() - {"entity", "services"}):
        yield f"icons.json: unknown top-level key {key!r}"


def _rule_status(value: Any) -> str | None:
    """Return a rule's status, or None when the value is malformed."""
    if value in ("done", "todo"):
        return str(value)
    if (
        isinstance(value, dict)
        and set(value) == {"status", "comment"}
        and value["status"] in ("done", "todo", "exempt")
        and isinstance(value["comment"], str)
        and value["comment"].strip()
    ):
        return str(value["status"])
    return None


def check_quality_scale(package: Package) -> Iterator[str]:
    """Check quality_scale.yaml lists every rule once, and meets the manifest's tier."""
    data = _mapping(
        package.yaml(package.integration / "quality_scale.yaml"), "quality_scale.yaml"
    )
    if set(data) != {"rules"}:
        yield "quality_scale.yaml must hold exactly one key, rules"
    rules = _section(data, "rules")
    all_rules = [rule for tier in QUALITY_SCALE_RULES.values() for rule in tier]
    yield from _compare(
        "quality_scale.yaml rules", all_rules, rules, unused="is not a rule"
    )
    met: set[str] = set()
    for rule, value in rules.items():
        match _rule_status(value):
            case None:
                yield (
                    f"quality_scale.yaml {rule}: {value!r} is not done, todo, or "
                    "{status: done|todo|exempt, comment: ...}"
                )
            case "done" | "exempt":
                met.add(rule)
    declared = package.manifest.get("quality_scale")
    if declared not in QUALITY_SCALE_RULES:
        return
    for tier, tier_rules in QUALITY_SCALE_RULES.items():
        if missing := [rule for rule in tier_rules if rule not in met]:
            yield (
                f"manifest.json declares {declared}, but these {tier} rules are not "
                f"done or exempt: {', '.join(missing)}"
            )
        if tier == declared:
            break


@dataclass(frozen=True, slots=True)
class Check:
    """One check and what it looks at."""

    title: str
    run: Callable[[Package], Iterator[str]]


CHECKS: Final = (
    Check("manifest.json: keys, order, URLs, version", check_manifest),
    Check("hacs.json: keys and release settings", check_hacs),
    Check("brand/: icons and logos, light and dark", check_brand),
    Check("services.yaml: every registered action, field and selector", check_services),
    Check(
        "translations/en.json: every key the code uses, none stale", check_translations
    ),
    Check(
        "frontend/: every text of the cards in en.json, with its placeholders",
        check_card_texts,
    ),
    Check(
        f"translations/: {len(LANGUAGES)} languages, English's keys and placeholders,"
        " no URL, each text readable",
        check_languages,
    ),
    Check("icons.json: every entity translation key and action", check_icons),
    Check("quality_scale.yaml: every rule of the four tiers", check_quality_scale),
)


def find_problems(
    check: Callable[[Package], Iterator[str]], package: Package
) -> list[str]:
    """Run one check; return its problems, an unreadable file being one."""
    try:
        return list(check(package))
    except PackageError as error:
        return [str(error)]


def run_checks(package: Package) -> dict[str, list[str]]:
    """Run every check; return the problems found, by check title."""
    return {check.title: find_problems(check.run, package) for check in CHECKS}


def main(argv: list[str] | None = None) -> int:
    """Run the checks and print what each found; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT)
    package = Package(parser.parse_args(argv).root.resolve())
    print(f"Checking {package.integration}")
    failed = 0
    for title, problems in run_checks(package).items():
        print(f"  {'FAIL' if problems else 'ok  '}  {title}")
        for problem in problems:
            print(f"          - {problem}")
        failed += bool(problems)
    if failed:
        print(f"{failed} of {len(CHECKS)} checks failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
