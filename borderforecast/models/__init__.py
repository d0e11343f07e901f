"""Forecasting models: the protocol, the registry of named specs, and the families."""

from .base import DEFAULT_LEVELS, BaseModel, FittedModel, Prediction, Transform
from .registry import ModelSpec, get_spec, list_specs, make_model

__all__ = [
    "DEFAULT_LEVELS",
    "BaseModel",
    "FittedModel",
    "ModelSpec",
    "Prediction",
    "Transform",
    "get_spec",
    "list_specs",
    "make_model",
]
