"""URLconf of the benchmark's Django stack."""

from benchmarks.stacks import urlpatterns as _urlpatterns

urlpatterns = _urlpatterns()
