# Hand-kept stub of the compiled module tiersim._core (python/src/). Private:
# use the typed wrappers in tiersim (Model, load, Results) instead.
from collections.abc import Callable
from typing import Any

__version__: str

class ModelError(ValueError):
    """An invalid model; ``str(e)`` is ``"path: message"``."""

    path: str
    """The offending field, e.g. ``"classes[0].steps[1].service.mean"``."""

def run_json(
    model_json: str,
    overrides_json: str = "{}",
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Runs a model (model-file JSON) and returns the results document as JSON.

    ``overrides_json`` is an object of ``run`` keys (until, warmup,
    replications, seed, threads, max_completions, max_in_system, batches).
    ``progress(done, total)`` is called with the GIL as replications finish.
    Raises ModelError for an invalid model.
    """

def check_json(model_json: str) -> None:
    """Checks a model (model-file JSON) without running it; raises ModelError."""

analytic: Any
