"""OTLP metrics → usage: Claude Code's `claude_code.token.usage` and `claude_code.cost.usage`.

Each data point becomes a status event with usage on its session's task: a token count by its
`type` attribute (`input`, `output`, `cacheRead`, `cacheCreation`) and `model`, or a cost in
USD. Only delta sums are read: a cumulative point repeats what earlier ones counted, and ingest
keeps no state to subtract them (Claude Code exports deltas unless
`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=cumulative`). Every other metric and data
point is dropped and counted.
"""

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AggregationTemporality,
    Metric,
    NumberDataPoint,
)

from .records import (
    Attributes,
    Candidate,
    Origin,
    Tally,
    UsageSource,
    candidate,
    each_record,
    timestamp,
)

TOKENS = "claude_code.token.usage"
COST = "claude_code.cost.usage"
_TOKEN_FIELDS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cacheRead": "cache_read_tokens",
    "cacheCreation": "cache_write_tokens",
}


def map_metrics(request: ExportMetricsServiceRequest) -> Tally:
    tally = Tally()
    for where, metric in each_record(request.resource_metrics, "scope_metrics", "metrics"):
        _map_metric(where, metric, tally)
    return tally


def _map_metric(where: Origin, metric: Metric, tally: Tally) -> None:
    points = data_points(metric)
    if metric.name not in (TOKENS, COST):
        tally.drop("data points of metrics other than Claude Code's token and cost usage", points)
        return
    if metric.WhichOneof("data") != "sum":
        tally.drop(f"data points of {metric.name} that are not a sum", points)
        return
    if metric.sum.aggregation_temporality != AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA:
        tally.drop(f"cumulative data points of {metric.name} (export deltas)", points)
        return
    for point in metric.sum.data_points:
        tally.add(_mapped(where, metric.name, point))


def _mapped(where: Origin, name: str, point: NumberDataPoint) -> Candidate | str:
    values = Attributes(point.attributes)
    amount = point.as_double if point.HasField("as_double") else point.as_int
    model = values.get("model")
    usage: dict[str, object] = {"model": model if isinstance(model, str) and model else None}
    if name == COST:
        usage |= {"cost": amount, "currency": "USD"}
    else:
        field = _TOKEN_FIELDS.get(str(values.get("type")))
        if field is None or not float(amount).is_integer():  # also inf and NaN
            return f"data points of {name} without a known token type"
        usage[field] = int(amount)
    return candidate(
        where,
        where.event_id(name, point),
        UsageSource.METRICS,
        records="data points",
        task_id=where.task_of(values),
        message=None,
        usage=usage,
        at=timestamp(point.time_unix_nano),
        usage_only=True,
    )


def data_points(metric: Metric) -> int:
    """How many data points the metric holds, whatever its kind."""
    kind = metric.WhichOneof("data")
    return len(getattr(metric, kind).data_points) if kind else 0
