"""Reads an OpenMetrics exposition on stdin with prometheus_client's strict parser (the one
Prometheus-compatible tooling uses) and prints its samples as JSON, one list per metric family:
{"name": ..., "type": ..., "samples": [[sample_name, labels, value], ...]}. Exits non-zero (with
the parser's message) when the text is not valid OpenMetrics."""

import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    })
json.dump(families, sys.stdout)
