"""Operations over HTTP: the ``/hrflow/health/`` JSON and the ``/hrflow/metrics/`` Prometheus
endpoints, both reading :mod:`hrflow_matching.health` and guarded by :mod:`.access`."""
