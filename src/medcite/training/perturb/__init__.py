"""FactCC-style claim generators for the citation judge's training data, one module per label.

Importing the package registers every generator (`base.PERTURBATIONS`); the kind lists are
derived from the registrations, in registration order.
"""

from medcite.training.perturb import supported, unsupported
from medcite.training.perturb.base import (
    PERTURBATIONS,
    Context,
    Perturbation,
    Registered,
    kinds,
    perturbation,
)
from medcite.training.perturb.supported import surface_rewrite

SUPPORTED_KINDS = kinds(supported=True)
UNSUPPORTED_KINDS = kinds(supported=False)

__all__ = [
    "PERTURBATIONS",
    "SUPPORTED_KINDS",
    "UNSUPPORTED_KINDS",
    "Context",
    "Perturbation",
    "Registered",
    "kinds",
    "perturbation",
    "supported",
    "surface_rewrite",
    "unsupported",
]
