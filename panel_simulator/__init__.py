"""An in-memory SMM panel speaking API v2, for tests, benchmarks and development."""

from .catalogue import CATALOGUE, Service, ServiceChanges, ServiceType
from .clock import Clock, ManualClock, RealTimeClock
from .dialects import (
    CLONE,
    DIALECTS,
    SMARTPANEL,
    SMARTPANEL_REPORTED,
    STANDARD,
    Dialect,
    Quirk,
)
from .faults import Fault, FaultRule, Faults
from .orders import Order, OrderStatus, Refill, RefillStatus
from .panel import Panel
from .server import RunningSimulator, create_app, run_simulator

__all__ = [
    "CATALOGUE",
    "CLONE",
    "DIALECTS",
    "SMARTPANEL",
    "SMARTPANEL_REPORTED",
    "STANDARD",
    "Clock",
    "Dialect",
    "Fault",
    "FaultRule",
    "Faults",
    "ManualClock",
    "Order",
    "OrderStatus",
    "Panel",
    "Quirk",
    "RealTimeClock",
    "Refill",
    "RefillStatus",
    "RunningSimulator",
    "Service",
    "ServiceChanges",
    "ServiceType",
    "create_app",
    "run_simulator",
]
